using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GmailAutomation.ApiGateway.Data;
using GmailAutomation.ApiGateway.Tests.Support;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.ApiGateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SessionAndTokenTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Signing_in_with_Google_through_the_gateway_sets_an_HttpOnly_SameSite_session_cookie_and_never_hands_out_the_identity_token()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();

        var callback = browser.CallbackResponse!;
        Assert.False(callback.Headers.Contains(UserIdentityTokens.HeaderName));
        Assert.Equal("/api/session", callback.Headers.Location!.OriginalString);
        var session = Assert.Single(callback.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gma_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", session, StringComparison.OrdinalIgnoreCase);

        using var me = await browser.GetAsync("/api/session");
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(browser.Email, body.GetProperty("email").GetString());
        Assert.Equal("session", body.GetProperty("via").GetString());
    }

    [Fact]
    public async Task A_state_change_riding_on_the_session_cookie_needs_the_anti_forgery_token()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();

        using var without = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name = "x" }) }, antiforgery: false);
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Contains("anti-forgery", await without.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Forwarded routes too: the auth-service's preference change is refused before it leaves the gateway.
        using var forwarded = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/accounts/connect") { Content = JsonContent.Create(new { }) }, antiforgery: false);
        Assert.Equal(HttpStatusCode.BadRequest, forwarded.StatusCode);

        using var with = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/accounts/connect") { Content = JsonContent.Create(new { }) });
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();

        using var signOut = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/session/signout"));
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);

        using var after = await browser.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("application/problem+json", after.Content.Headers.ContentType?.MediaType);
        using var me = await browser.GetAsync("/api/auth/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task An_API_token_is_shown_once_stored_hashed_acts_as_its_owner_and_stops_working_when_revoked()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        var created = await browser.CreateApiTokenAsync("nightly-export");
        var secret = created.GetProperty("token").GetString()!;
        var tokenId = created.GetProperty("id").GetGuid();
        Assert.StartsWith("gma_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 4 + 43);

        // Stored as SHA-256 only; the list never shows the secret.
        await using (var scope = fixture.Gateway.Services.CreateAsyncScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<GatewayDbContext>().ApiTokens.AsNoTracking().SingleAsync(t => t.Id == tokenId);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), row.TokenHash);
            Assert.DoesNotContain(secret, JsonSerializer.Serialize(row), StringComparison.Ordinal);
        }

        var list = await (await browser.GetAsync("/api/tokens")).Content.ReadAsStringAsync();
        Assert.Contains("nightly-export", list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);

        using var script = TokenClient.Create(fixture.Gateway, secret);
        var me = await script.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal(browser.UserId, me.GetProperty("id").GetGuid());
        var session = await script.GetFromJsonAsync<JsonElement>("/api/session");
        Assert.Equal("api-token", session.GetProperty("via").GetString());

        // A token cannot mint tokens; state changes with a token need no anti-forgery token.
        using var mint = await script.PostAsJsonAsync("/api/tokens", new { name = "child" });
        Assert.Equal(HttpStatusCode.Unauthorized, mint.StatusCode);

        using var revoke = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/tokens/{tokenId}"));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var afterRevoke = await script.GetAsync("/api/auth/me");
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        using var sessionAfter = await script.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.Unauthorized, sessionAfter.StatusCode);
    }

    [Fact]
    public async Task Unknown_tokens_and_bad_token_requests_are_refused()
    {
        using var browser = new GatewayBrowser(fixture);
        await browser.SignInAsync();
        using var script = TokenClient.Create(fixture.Gateway, "gma_" + new string('A', 43));
        using var unknown = await script.GetAsync("/api/tokens");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        using var nameless = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name = " " }) });
        Assert.Equal(HttpStatusCode.BadRequest, nameless.StatusCode);
        using var forever = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new { name = "x", expiresInDays = 0 }) });
        Assert.Equal(HttpStatusCode.BadRequest, forever.StatusCode);
    }
}
