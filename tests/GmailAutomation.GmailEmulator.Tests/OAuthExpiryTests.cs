using System.Net;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.GoogleSide;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>Lifetimes of codes and tokens, and auto-approval, each on its own emulator with a fake clock.</summary>
public sealed class OAuthExpiryTests
{
    private const string Modify = "https://www.googleapis.com/auth/gmail.modify";

    [Fact]
    public async Task Access_tokens_expire_after_their_lifetime_and_refresh_gives_a_fresh_one()
    {
        await using var factory = new EmulatorFactory().UseFakeTime();
        var oauth = new OAuthFlow(factory);
        var code = await oauth.AuthorizeAsync("expiry@example.com", OAuthFlow.AuthorizeUrl(Modify));
        var (_, tokens) = await oauth.ExchangeCodeAsync(code, verifier: null);
        var accessToken = tokens.GetProperty("access_token").GetString()!;

        factory.Time!.Advance(TimeSpan.FromSeconds(3598));
        using (var stillValid = await oauth.UserInfoAsync(accessToken))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        using (var expired = await oauth.UserInfoAsync(accessToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Equal("invalid_request", JsonDocument.Parse(await expired.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }

        var (status, refreshed) = await oauth.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, status);
        using var fresh = await oauth.UserInfoAsync(refreshed.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Access_token_lifetime_is_configurable()
    {
        await using var factory = new EmulatorFactory().WithSetting("Emulator:OAuth:AccessTokenLifetime", "00:01:00").UseFakeTime();
        var oauth = new OAuthFlow(factory);
        var code = await oauth.AuthorizeAsync("short.lived@example.com", OAuthFlow.AuthorizeUrl(Modify));
        var (_, tokens) = await oauth.ExchangeCodeAsync(code, verifier: null);
        Assert.Equal(60, tokens.GetProperty("expires_in").GetInt32());

        factory.Time!.Advance(TimeSpan.FromSeconds(60));
        using var expired = await oauth.UserInfoAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Fact]
    public async Task Authorization_codes_expire_quickly()
    {
        await using var factory = new EmulatorFactory().UseFakeTime();
        var oauth = new OAuthFlow(factory);
        var code = await oauth.AuthorizeAsync("slow.client@example.com", OAuthFlow.AuthorizeUrl(Modify));

        factory.Time!.Advance(TimeSpan.FromMinutes(10));
        var (status, body) = await oauth.ExchangeCodeAsync(code, verifier: null);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.Equal("Bad Request", body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task Auto_approve_grants_the_login_hint_at_once()
    {
        await using var factory = new EmulatorFactory().WithSetting("Emulator:OAuth:AutoApprove", "true");
        var oauth = new OAuthFlow(factory);
        var (verifier, challenge) = OAuthFlow.NewPkce();

        using var response = await oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl($"{Modify} email", loginHint: "Auto.User@Example.com", challenge: challenge));
        var redirect = OAuthFlow.RedirectQuery(response);
        var (status, tokens) = await oauth.ExchangeCodeAsync(redirect["code"], verifier);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("1//", tokens.GetProperty("refresh_token").GetString());
        using var userInfo = await oauth.UserInfoAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal("auto.user@example.com", JsonDocument.Parse(await userInfo.Content.ReadAsStringAsync()).RootElement.GetProperty("email").GetString());

        // Without a login_hint there is no account to pick: the consent page is shown.
        using var noHint = await oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(Modify));
        Assert.Equal(HttpStatusCode.OK, noHint.StatusCode);
    }
}
