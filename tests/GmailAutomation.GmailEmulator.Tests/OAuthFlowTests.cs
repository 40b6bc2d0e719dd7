using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Tests.GoogleSide;
using GmailAutomation.GmailEmulator.Tests.Support;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>The authorization-code flow with PKCE against the emulator's Google OAuth server (API-SUBSET §13).</summary>
public sealed class OAuthFlowTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private const string Modify = "https://www.googleapis.com/auth/gmail.modify";
    private const string EmailScope = "https://www.googleapis.com/auth/userinfo.email";

    private readonly OAuthFlow _oauth = new(factory);

    [Fact]
    public async Task Consent_pkce_token_api_call_refresh_and_revoke_end_to_end()
    {
        const string email = "dana.e2e@example.com";
        var (verifier, challenge) = OAuthFlow.NewPkce();

        // 1. The browser opens the authorize URL and gets a real consent page.
        var (html, consentId) = await _oauth.OpenConsentPageAsync(
            OAuthFlow.AuthorizeUrl($"{Modify} openid email", state: "abc/123", loginHint: email, challenge: challenge));
        Assert.Contains(OAuthFlow.ClientId, html);
        Assert.Contains("<label for=\"email\">", html);
        Assert.Contains($"value=\"{email}\"", html);
        Assert.Contains(Modify, html);
        Assert.Contains(">Allow</button>", html);
        Assert.Contains(">Deny</button>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("https://cdn", html);

        // 2. Allow → redirect with state, a 4/0A… code and the granted scopes.
        using var allowed = await _oauth.AnswerConsentAsync(consentId, "allow", email);
        var redirect = OAuthFlow.RedirectQuery(allowed);
        Assert.Equal("abc/123", redirect["state"]);
        Assert.StartsWith("4/0A", redirect["code"]);
        Assert.Equal($"{Modify} openid {EmailScope}", redirect["scope"]);

        // 3. Code + verifier → tokens in Google's shape.
        var (status, tokens) = await _oauth.ExchangeCodeAsync(redirect["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
        Assert.StartsWith("ya29.", accessToken);
        Assert.StartsWith("1//", refreshToken);
        Assert.Equal(3599, tokens.GetProperty("expires_in").GetInt32());
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal($"{Modify} openid {EmailScope}", tokens.GetProperty("scope").GetString());
        await AssertValidIdTokenAsync(tokens.GetProperty("id_token").GetString()!, email);

        // 4. The access token works on a Google API.
        using (var userInfo = await _oauth.UserInfoAsync(accessToken))
        {
            Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
            var info = JsonDocument.Parse(await userInfo.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(email, info.GetProperty("email").GetString());
            Assert.True(info.GetProperty("email_verified").GetBoolean());
        }

        // ... and on the Gmail API: consent created the mailbox.
        using (var gmail = factory.CreateGmailClient(accessToken))
        {
            using var profile = await gmail.GetAsync("/gmail/v1/users/me/profile");
            Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
            Assert.Equal(email, JsonDocument.Parse(await profile.Content.ReadAsStringAsync()).RootElement.GetProperty("emailAddress").GetString());
        }

        // 5. Refresh: a new access token, no new refresh token.
        var (refreshStatus, refreshed) = await _oauth.RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.OK, refreshStatus);
        var secondAccessToken = refreshed.GetProperty("access_token").GetString()!;
        Assert.NotEqual(accessToken, secondAccessToken);
        Assert.False(refreshed.TryGetProperty("refresh_token", out _));
        using (var userInfo = await _oauth.UserInfoAsync(secondAccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
        }

        // 6. Revoke the refresh token: it and every access token issued from it stop working.
        using var revoke = await _oauth.Browser.PostAsync("/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = refreshToken }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var (afterRevokeStatus, afterRevoke) = await _oauth.RefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.BadRequest, afterRevokeStatus);
        Assert.Equal("invalid_grant", afterRevoke.GetProperty("error").GetString());
        Assert.Equal("Token has been expired or revoked.", afterRevoke.GetProperty("error_description").GetString());
        using (var userInfo = await _oauth.UserInfoAsync(secondAccessToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
        }

        using (var gmail = factory.CreateGmailClient(secondAccessToken))
        {
            using var profile = await gmail.GetAsync("/gmail/v1/users/me/profile");
            Assert.Equal(HttpStatusCode.Unauthorized, profile.StatusCode);
        }

        using (var userInfo = await _oauth.UserInfoAsync(accessToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
        }
    }

    [Fact]
    public async Task Deny_redirects_with_access_denied_and_no_code()
    {
        var (_, consentId) = await _oauth.OpenConsentPageAsync(OAuthFlow.AuthorizeUrl(Modify, state: "s-deny"));
        using var denied = await _oauth.AnswerConsentAsync(consentId, "deny", email: null);

        var query = OAuthFlow.RedirectQuery(denied);
        Assert.Equal("access_denied", query["error"]);
        Assert.Equal("s-deny", query["state"]);
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task A_consent_form_cannot_be_submitted_twice()
    {
        var (_, consentId) = await _oauth.OpenConsentPageAsync(OAuthFlow.AuthorizeUrl(Modify));
        using var first = await _oauth.AnswerConsentAsync(consentId, "allow", "replay.form@example.com");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);

        using var replay = await _oauth.AnswerConsentAsync(consentId, "allow", "replay.form@example.com");
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Null(replay.Headers.Location);
    }

    [Fact]
    public async Task An_invalid_email_shows_the_page_again_with_an_error()
    {
        var (_, consentId) = await _oauth.OpenConsentPageAsync(OAuthFlow.AuthorizeUrl(Modify));
        using var answer = await _oauth.AnswerConsentAsync(consentId, "allow", "not-an-address");

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", html);
        Assert.Contains("aria-invalid=\"true\"", html);

        // The re-rendered page carries a fresh id that still completes the flow.
        using var retry = await _oauth.AnswerConsentAsync(OAuthFlow.ConsentIdOf(html), "allow", "fixed.address@example.com");
        Assert.StartsWith("4/0A", OAuthFlow.RedirectQuery(retry)["code"]);
    }

    [Fact]
    public async Task A_code_can_be_redeemed_only_once()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _oauth.AuthorizeAsync("replay.code@example.com", OAuthFlow.AuthorizeUrl(Modify, challenge: challenge));

        Assert.Equal(HttpStatusCode.OK, (await _oauth.ExchangeCodeAsync(code, verifier)).Status);
        var (status, body) = await _oauth.ExchangeCodeAsync(code, verifier);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.Equal("Bad Request", body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task A_wrong_or_missing_pkce_verifier_is_refused()
    {
        var (_, challenge) = OAuthFlow.NewPkce();
        var (otherVerifier, _) = OAuthFlow.NewPkce();

        var code = await _oauth.AuthorizeAsync("pkce.wrong@example.com", OAuthFlow.AuthorizeUrl(Modify, challenge: challenge));
        var (status, body) = await _oauth.ExchangeCodeAsync(code, otherVerifier);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.Equal("Bad Request", body.GetProperty("error_description").GetString());

        var secondCode = await _oauth.AuthorizeAsync("pkce.wrong@example.com", OAuthFlow.AuthorizeUrl(Modify, challenge: challenge));
        var (missingStatus, missing) = await _oauth.ExchangeCodeAsync(secondCode, verifier: null);
        Assert.Equal(HttpStatusCode.BadRequest, missingStatus);
        Assert.Equal("invalid_grant", missing.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Plain_pkce_is_the_default_method_when_a_challenge_is_given()
    {
        var (verifier, _) = OAuthFlow.NewPkce();
        var code = await _oauth.AuthorizeAsync("pkce.plain@example.com", OAuthFlow.AuthorizeUrl(Modify, challenge: verifier, challengeMethod: null));

        Assert.Equal(HttpStatusCode.OK, (await _oauth.ExchangeCodeAsync(code, verifier)).Status);
    }

    [Theory]
    [InlineData("http://evil.example.com/callback")]
    [InlineData("https://127.0.0.1:53682/oauth/callback")]
    [InlineData("http://127.0.0.1.evil.example/cb")]
    public async Task Authorize_with_an_unregistered_redirect_uri_shows_redirect_uri_mismatch(string redirectUri)
    {
        using var response = await _oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(Modify, redirectUri: redirectUri));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("redirect_uri_mismatch", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://127.0.0.1:40123/any/path")]
    [InlineData("http://localhost/cb")]
    public async Task The_default_client_accepts_any_loopback_redirect(string redirectUri)
    {
        var (_, consentId) = await _oauth.OpenConsentPageAsync(OAuthFlow.AuthorizeUrl(Modify, redirectUri: redirectUri));
        using var allowed = await _oauth.AnswerConsentAsync(consentId, "allow", "loopback@example.com");
        Assert.StartsWith("4/0A", OAuthFlow.RedirectQuery(allowed, redirectUri)["code"]);
    }

    [Fact]
    public async Task A_registered_client_accepts_only_its_exact_redirect_uris()
    {
        using var register = await _oauth.Browser.PostAsync("/emulator/clients", JsonContent(new
        {
            client_id = "web-app-1",
            client_secret = "web-secret",
            redirect_uris = new[] { "https://app.example.com/oauth/callback" },
        }));
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);

        using var exact = await _oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(Modify, clientId: "web-app-1", redirectUri: "https://app.example.com/oauth/callback"));
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);

        foreach (var near in new[] { "https://app.example.com/oauth/callback/", "https://app.example.com/OAuth/callback", "http://localhost:5000/cb" })
        {
            using var mismatch = await _oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(Modify, clientId: "web-app-1", redirectUri: near));
            Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        }
    }

    [Fact]
    public async Task The_token_request_must_repeat_the_authorize_redirect_uri()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _oauth.AuthorizeAsync("redirect.token@example.com", OAuthFlow.AuthorizeUrl(Modify, challenge: challenge));

        var (status, body) = await _oauth.ExchangeCodeAsync(code, verifier, redirectUri: "http://127.0.0.1:53682/other");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("redirect_uri_mismatch", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_wrong_client_secret_is_401_invalid_client()
    {
        var code = await _oauth.AuthorizeAsync("secret.wrong@example.com", OAuthFlow.AuthorizeUrl(Modify));

        var (status, body) = await _oauth.ExchangeCodeAsync(code, verifier: null, clientSecret: "guess");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.Equal("Unauthorized", body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task An_unknown_client_gets_an_error_page_at_authorize_and_401_at_the_token_endpoint()
    {
        using var page = await _oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(Modify, clientId: "no-such-client"));
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Contains("invalid_client", await page.Content.ReadAsStringAsync());

        var (status, body) = await _oauth.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", "1//x"), ("client_id", "no-such-client"), ("client_secret", "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Client_credentials_may_come_in_a_basic_authorization_header()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _oauth.AuthorizeAsync("basic.auth@example.com", OAuthFlow.AuthorizeUrl(Modify, challenge: challenge));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = OAuthFlow.RedirectUri, ["code_verifier"] = verifier,
            }),
        };
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OAuthFlow.ClientId}:{OAuthFlow.ClientSecret}")));

        using var response = await _oauth.Browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("authorization_code", "code")]
    [InlineData("refresh_token", "refresh_token")]
    public async Task Missing_parameters_are_invalid_request(string grantType, string missing)
    {
        var (status, body) = await _oauth.TokenAsync(("grant_type", grantType), ("client_id", OAuthFlow.ClientId), ("client_secret", OAuthFlow.ClientSecret), ("redirect_uri", OAuthFlow.RedirectUri));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        Assert.Equal($"Missing required parameter: {missing}", body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task An_unknown_grant_type_is_unsupported()
    {
        var (status, body) = await _oauth.TokenAsync(("grant_type", "password"), ("client_id", OAuthFlow.ClientId), ("client_secret", OAuthFlow.ClientSecret));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unsupported_grant_type", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Online_access_gets_no_refresh_token()
    {
        var code = await _oauth.AuthorizeAsync("online.only@example.com", OAuthFlow.AuthorizeUrl(Modify, accessType: "online"));
        var (_, tokens) = await _oauth.ExchangeCodeAsync(code, verifier: null);

        Assert.True(tokens.TryGetProperty("access_token", out _));
        Assert.False(tokens.TryGetProperty("refresh_token", out _));
        Assert.False(tokens.TryGetProperty("id_token", out _));
    }

    [Fact]
    public async Task Offline_access_gets_a_refresh_token_only_when_consent_is_shown()
    {
        const string email = "reconsent@example.com";
        async Task<JsonElement> GrantAsync(string? prompt, string scope = Modify)
        {
            var code = await _oauth.AuthorizeAsync(email, OAuthFlow.AuthorizeUrl(scope, accessType: "offline", prompt: prompt));
            return (await _oauth.ExchangeCodeAsync(code, verifier: null)).Body;
        }

        Assert.True((await GrantAsync(prompt: null)).TryGetProperty("refresh_token", out _), "first grant");
        Assert.False((await GrantAsync(prompt: null)).TryGetProperty("refresh_token", out _), "repeat grant without prompt=consent");
        Assert.True((await GrantAsync(prompt: "consent")).TryGetProperty("refresh_token", out _), "prompt=consent");
        Assert.True((await GrantAsync(prompt: null, scope: $"{Modify} https://mail.google.com/")).TryGetProperty("refresh_token", out _), "new scope");
    }

    [Fact]
    public async Task Revoking_an_access_token_also_revokes_its_refresh_token()
    {
        var code = await _oauth.AuthorizeAsync("revoke.access@example.com", OAuthFlow.AuthorizeUrl(Modify));
        var (_, tokens) = await _oauth.ExchangeCodeAsync(code, verifier: null);
        var accessToken = tokens.GetProperty("access_token").GetString()!;

        using var revoke = await _oauth.Browser.PostAsync($"/revoke?token={Uri.EscapeDataString(accessToken)}", content: null);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var (status, body) = await _oauth.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Token has been expired or revoked.", body.GetProperty("error_description").GetString());

        // Revoking again, or an unknown token, is 400 invalid_token.
        using var again = await _oauth.Browser.GetAsync($"/o/oauth2/revoke?token={Uri.EscapeDataString(accessToken)}");
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("invalid_token", JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Prompt_none_needs_an_earlier_grant()
    {
        using var first = await _oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(Modify, loginHint: "silent@example.com", prompt: "none"));
        Assert.Equal("consent_required", OAuthFlow.RedirectQuery(first)["error"]);

        await _oauth.AuthorizeAsync("silent@example.com", OAuthFlow.AuthorizeUrl(Modify));

        using var silent = await _oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(Modify, loginHint: "silent@example.com", prompt: "none"));
        Assert.StartsWith("4/0A", OAuthFlow.RedirectQuery(silent)["code"]);
    }

    [Theory]
    [InlineData("https://www.googleapis.com/auth/gmail.everything", "invalid_scope")]
    [InlineData("", "invalid_request")]
    public async Task Bad_scopes_show_an_error_page(string scope, string error)
    {
        using var response = await _oauth.Browser.GetAsync(OAuthFlow.AuthorizeUrl(scope));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(error, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Admin_mint_gives_working_tokens_without_a_browser()
    {
        using var response = await _oauth.Browser.PostAsync("/emulator/tokens", JsonContent(new { email = "Bench.User@Example.com", scopes = new[] { Modify, "email" } }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var minted = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("1//", minted.GetProperty("refresh_token").GetString());
        Assert.Equal(3599, minted.GetProperty("expires_in").GetInt32());

        using var userInfo = await _oauth.UserInfoAsync(minted.GetProperty("access_token").GetString()!);
        Assert.Equal("bench.user@example.com", JsonDocument.Parse(await userInfo.Content.ReadAsStringAsync()).RootElement.GetProperty("email").GetString());

        using var bad = await _oauth.Browser.PostAsync("/emulator/tokens", JsonContent(new { email = "x@example.com", scopes = new[] { "https://www.googleapis.com/auth/drive" } }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Discovery_document_points_at_the_emulators_own_endpoints()
    {
        var discovery = JsonDocument.Parse(await _oauth.Browser.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        Assert.Equal("http://localhost", discovery.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost/oauth2/v3/certs", discovery.GetProperty("jwks_uri").GetString());
        Assert.Equal("http://localhost/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.Contains("S256", discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }

    private async Task AssertValidIdTokenAsync(string idToken, string email)
    {
        var parts = idToken.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonDocument.Parse(OAuthFlow.Base64UrlDecode(parts[0])).RootElement;
        var payload = JsonDocument.Parse(OAuthFlow.Base64UrlDecode(parts[1])).RootElement;
        Assert.Equal("RS256", header.GetProperty("alg").GetString());

        var jwks = JsonDocument.Parse(await _oauth.Browser.GetStringAsync("/oauth2/v3/certs")).RootElement;
        var key = jwks.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == header.GetProperty("kid").GetString());
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = OAuthFlow.Base64UrlDecode(key.GetProperty("n").GetString()!),
            Exponent = OAuthFlow.Base64UrlDecode(key.GetProperty("e").GetString()!),
        });
        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), OAuthFlow.Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        Assert.Equal("http://localhost", payload.GetProperty("iss").GetString());
        Assert.Equal(OAuthFlow.ClientId, payload.GetProperty("aud").GetString());
        Assert.Equal(email, payload.GetProperty("email").GetString());
        Assert.Matches("^[0-9]{21}$", payload.GetProperty("sub").GetString());
        Assert.True(payload.GetProperty("exp").GetInt64() > payload.GetProperty("iat").GetInt64());
    }

    private static StringContent JsonContent(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
