using System.Net;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Http;
using GmailAutomation.GmailEmulator.Tests.GoogleSide;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>
/// Google's own .NET client library (Google.Apis.Auth) against the emulator, only its server URLs changed:
/// what works here works for a product that uses the library against Google.
/// </summary>
public sealed class OAuthGoogleClientLibraryTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private const string Modify = "https://www.googleapis.com/auth/gmail.modify";

    [Fact]
    public async Task Google_client_library_exchanges_refreshes_and_revokes_against_the_emulator()
    {
        var oauth = new OAuthFlow(factory);
        using var flow = new GoogleAuthorizationCodeFlow(new EmulatorInitializer
        {
            ClientSecrets = new ClientSecrets { ClientId = OAuthFlow.ClientId, ClientSecret = OAuthFlow.ClientSecret },
            Scopes = [Modify],
            HttpClientFactory = new TestServerClientFactory(factory),
        });

        var code = await oauth.AuthorizeAsync("library.user@example.com", OAuthFlow.AuthorizeUrl(Modify, accessType: "offline"));

        var token = await flow.ExchangeCodeForTokenAsync("library-user", code, OAuthFlow.RedirectUri, CancellationToken.None);
        Assert.StartsWith("ya29.", token.AccessToken);
        Assert.StartsWith("1//", token.RefreshToken);
        Assert.Equal(3599, token.ExpiresInSeconds);
        Assert.Equal(Modify, token.Scope);

        var refreshed = await flow.RefreshTokenAsync("library-user", token.RefreshToken, CancellationToken.None);
        Assert.NotEqual(token.AccessToken, refreshed.AccessToken);
        using (var userInfo = await oauth.UserInfoAsync(refreshed.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
        }

        await flow.RevokeTokenAsync("library-user", token.RefreshToken, CancellationToken.None);

        var error = await Assert.ThrowsAsync<TokenResponseException>(() => flow.RefreshTokenAsync("library-user", token.RefreshToken, CancellationToken.None));
        Assert.Equal("invalid_grant", error.Error.Error);
        Assert.Equal("Token has been expired or revoked.", error.Error.ErrorDescription);
    }

    /// <summary>Google's flow settings with the emulator's URLs (the library exposes them to subclasses only).</summary>
    private sealed class EmulatorInitializer()
        : GoogleAuthorizationCodeFlow.Initializer("http://localhost/o/oauth2/v2/auth", "http://localhost/token", "http://localhost/revoke");

    /// <summary>Gives the library HTTP clients that talk to the in-process emulator.</summary>
    private sealed class TestServerClientFactory(EmulatorFactory factory) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => factory.Server.CreateHandler();
    }
}
