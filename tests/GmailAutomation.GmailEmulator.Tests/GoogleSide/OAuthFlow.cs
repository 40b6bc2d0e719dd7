using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace GmailAutomation.GmailEmulator.Tests.GoogleSide;

/// <summary>What a browser and an OAuth client library do against the emulator's OAuth server, one step at a time.</summary>
internal sealed partial class OAuthFlow(WebApplicationFactory<Program> factory)
{
    public const string ClientId = "gmail-automation-local";
    public const string ClientSecret = "local-secret";
    public const string RedirectUri = "http://127.0.0.1:53682/oauth/callback";

    /// <summary>A browser that does not follow redirects, so the test sees where Google would send it.</summary>
    public HttpClient Browser { get; } = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Base64UrlEncode(RandomNumberGenerator.GetBytes(48));
        return (verifier, Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string AuthorizeUrl(
        string scope,
        string? state = "st-123",
        string? loginHint = null,
        string? accessType = "offline",
        string? prompt = null,
        string? challenge = null,
        string? challengeMethod = "S256",
        string clientId = ClientId,
        string redirectUri = RedirectUri)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
        };
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                query[key] = value;
            }
        }

        Add("state", state);
        Add("login_hint", loginHint);
        Add("access_type", accessType);
        Add("prompt", prompt);
        Add("code_challenge", challenge);
        Add("code_challenge_method", challenge is null ? null : challengeMethod);
        return QueryHelpers.AddQueryString("/o/oauth2/v2/auth", query);
    }

    /// <summary>Opens the consent page and returns its HTML and the anti-replay id in its form.</summary>
    public async Task<(string Html, string ConsentId)> OpenConsentPageAsync(string authorizeUrl)
    {
        using var response = await Browser.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        return (html, ConsentIdOf(html));
    }

    public static string ConsentIdOf(string html) => ConsentField().Match(html) is { Success: true } match
        ? WebUtility.HtmlDecode(match.Groups[1].Value)
        : throw new InvalidOperationException("The consent page has no consent_request field.");

    public Task<HttpResponseMessage> AnswerConsentAsync(string consentId, string decision, string? email) =>
        Browser.PostAsync("/o/oauth2/v2/auth/consent", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["consent_request"] = consentId,
            ["decision"] = decision,
            ["email"] = email ?? string.Empty,
        }));

    /// <summary>The query of the redirect Google sends the browser to; asserts it goes to <paramref name="redirectUri"/>.</summary>
    public static Dictionary<string, string> RedirectQuery(HttpResponseMessage response, string redirectUri = RedirectUri)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith(redirectUri + "?", location);
        return QueryHelpers.ParseQuery(new Uri(location).Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    /// <summary>Runs authorize → consent (Allow) and returns the authorization code.</summary>
    public async Task<string> AuthorizeAsync(string email, string authorizeUrl)
    {
        var (_, consentId) = await OpenConsentPageAsync(authorizeUrl);
        using var answer = await AnswerConsentAsync(consentId, "allow", email);
        return RedirectQuery(answer)["code"];
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(params (string Key, string Value)[] form)
    {
        using var response = await Browser.PostAsync("/token", new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> ExchangeCodeAsync(string code, string? verifier, string redirectUri = RedirectUri, string clientSecret = ClientSecret)
    {
        var form = new List<(string, string)>
        {
            ("grant_type", "authorization_code"), ("code", code), ("client_id", ClientId), ("client_secret", clientSecret), ("redirect_uri", redirectUri),
        };
        if (verifier is not null)
        {
            form.Add(("code_verifier", verifier));
        }

        return TokenAsync([.. form]);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken) =>
        TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", ClientId), ("client_secret", ClientSecret));

    public async Task<HttpResponseMessage> UserInfoAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/oauth2/v3/userinfo");
        request.Headers.Authorization = new("Bearer", accessToken);
        return await Browser.SendAsync(request);
    }

    public static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
    }

    [GeneratedRegex("name=\"consent_request\" value=\"([^\"]+)\"")]
    private static partial Regex ConsentField();
}
