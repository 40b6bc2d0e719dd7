using GmailAutomation.AuthService.Google;
using GmailAutomation.AuthService.OAuth;
using GmailAutomation.Common.Errors;

namespace GmailAutomation.AuthService.Tests;

/// <summary>What a grant must hold before an account is connected (Google lets people untick scopes; offline access can come without a refresh token).</summary>
public sealed class ConnectGrantTests
{
    private static readonly string[] s_all = [GoogleScopes.GmailReadOnly, GoogleScopes.GmailModify, GoogleScopes.GmailLabels, GoogleScopes.OpenId, GoogleScopes.Email];

    [Fact]
    public void A_complete_offline_grant_is_accepted()
    {
        OAuthFlowService.CheckConnectGrant(Grant(s_all, refreshToken: "1//refresh"));
        // gmail.modify covers everything gmail.readonly allows.
        OAuthFlowService.CheckConnectGrant(Grant([GoogleScopes.GmailModify, GoogleScopes.GmailLabels], refreshToken: "1//refresh"));
    }

    [Fact]
    public void A_grant_without_the_labels_scope_is_refused_naming_the_scope()
    {
        var error = Assert.Throws<ValidationException>(() =>
            OAuthFlowService.CheckConnectGrant(Grant([GoogleScopes.GmailModify, GoogleScopes.Email], refreshToken: "1//refresh")));

        Assert.True(error.Errors.ContainsKey("scope"));
        Assert.Contains(GoogleScopes.GmailLabels, error.Message);
    }

    [Fact]
    public void A_grant_without_a_refresh_token_is_refused_with_a_clear_reason()
    {
        var error = Assert.Throws<ExternalServiceException>(() => OAuthFlowService.CheckConnectGrant(Grant(s_all, refreshToken: null)));

        Assert.Equal("missing_refresh_token", error.Reason);
        Assert.Contains("no refresh token", error.Message);
    }

    [Theory]
    [InlineData("/accounts", true)]
    [InlineData("/", true)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("https://evil.example", false)]
    [InlineData("accounts", false)]
    public void Only_local_return_urls_are_followed(string url, bool local) => Assert.Equal(local, OAuthFlowService.IsLocalUrl(url));

    private static GoogleTokens Grant(IReadOnlyList<string> scopes, string? refreshToken) =>
        new("ya29.access", refreshToken, DateTimeOffset.UtcNow.AddHours(1), scopes, IdToken: null);
}
