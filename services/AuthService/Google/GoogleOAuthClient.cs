using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using B64 = System.Buffers.Text.Base64Url;

namespace GmailAutomation.AuthService.Google;

/// <summary>
/// The OAuth 2.0 client side of Google's protocol: builds authorization URLs and talks to the token, revoke
/// and userinfo endpoints with a plain <see cref="HttpClient"/>. The same code serves Google and the emulator;
/// only <see cref="GoogleOAuthOptions"/> differ.
/// </summary>
public sealed class GoogleOAuthClient(HttpClient http, IOptions<GoogleOAuthOptions> options, TimeProvider time)
{
    public const string ServiceName = "google-oauth";
    public const string InvalidGrant = "invalid_grant";

    private GoogleOAuthOptions Options => options.Value;

    public string ClientId => Options.ClientId;

    /// <summary>The URL the browser is sent to. PKCE S256; <paramref name="offline"/> asks for a refresh token.</summary>
    public Uri BuildAuthorizationUri(
        Uri redirectUri, IEnumerable<string> scopes, string state, string codeChallenge, bool offline, string? loginHint)
    {
        var parameters = new List<KeyValuePair<string, string?>>
        {
            new("client_id", Options.ClientId),
            new("redirect_uri", redirectUri.ToString()),
            new("response_type", "code"),
            new("scope", string.Join(' ', scopes)),
            new("state", state),
            new("code_challenge", codeChallenge),
            new("code_challenge_method", "S256"),
        };
        if (offline)
        {
            // Google only returns a refresh token for offline access when the consent screen is shown.
            parameters.Add(new("access_type", "offline"));
            parameters.Add(new("prompt", "consent"));
        }
        else
        {
            parameters.Add(new("prompt", "select_account"));
        }

        if (!string.IsNullOrWhiteSpace(loginHint))
        {
            parameters.Add(new("login_hint", loginHint));
        }

        return new Uri(QueryHelpers.AddQueryString(Options.AuthorizationEndpoint.ToString(), parameters));
    }

    public Task<GoogleTokens> ExchangeCodeAsync(string code, Uri redirectUri, string codeVerifier, CancellationToken cancellationToken) =>
        PostTokenAsync(
            new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = redirectUri.ToString(),
                ["code_verifier"] = codeVerifier,
            },
            cancellationToken);

    public Task<GoogleTokens> RefreshAsync(string refreshToken, CancellationToken cancellationToken) =>
        PostTokenAsync(
            new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken },
            cancellationToken);

    /// <summary>Revokes <paramref name="token"/> (and with it the whole grant). A token Google no longer knows counts as revoked.</summary>
    public async Task RevokeAsync(string token, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, Options.RevocationEndpoint)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
            },
            "the revocation endpoint",
            cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var error = ReadError(await response.Content.ReadAsStringAsync(cancellationToken));
        if (error?.Error == "invalid_token")
        {
            return;
        }

        throw new ExternalServiceException(ServiceName, error?.Description ?? $"revocation answered {(int)response.StatusCode}", (int)response.StatusCode, error?.Error);
    }

    /// <summary>
    /// Ends the mailbox's Gmail push notifications (<c>users.stop</c>, 204) with <paramref name="accessToken"/>. Used
    /// on disconnect, before the grant is revoked: afterwards no token could stop the watch any more.
    /// </summary>
    public async Task StopGmailWatchAsync(string accessToken, CancellationToken cancellationToken)
    {
        var root = Options.GmailApiBaseUrl ?? new Uri("https://gmail.googleapis.com");
        var endpoint = new Uri(root, root.AbsolutePath.TrimEnd('/') + "/gmail/v1/users/me/stop");
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, endpoint) { Headers = { Authorization = new("Bearer", accessToken) } },
            "Gmail users.stop",
            cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ExternalServiceException(ServiceName, $"Gmail users.stop answered {(int)response.StatusCode}", (int)response.StatusCode);
        }
    }

    /// <summary>
    /// Who granted <paramref name="tokens"/>: from the id_token when it names a verified address, else from the
    /// userinfo endpoint. The id_token came straight from the token endpoint over TLS, which OpenID Connect
    /// (Core §3.1.3.7) accepts instead of a signature check; audience and expiry are still checked.
    /// </summary>
    public async Task<GoogleIdentity> IdentifyAsync(GoogleTokens tokens, CancellationToken cancellationToken)
    {
        if (tokens.IdToken is { Length: > 0 } idToken && ReadIdToken(idToken) is { } claims)
        {
            if (claims.Audience != Options.ClientId)
            {
                throw new ExternalServiceException(ServiceName, "the id_token was issued to another client");
            }

            if (DateTimeOffset.FromUnixTimeSeconds(claims.Expires) < time.GetUtcNow() - TimeSpan.FromMinutes(5))
            {
                throw new ExternalServiceException(ServiceName, "the id_token has expired");
            }

            if (claims.Subject is { Length: > 0 } && claims.Email is { Length: > 0 } && claims.EmailVerified)
            {
                return new GoogleIdentity(claims.Subject, Normalize(claims.Email), claims.Name);
            }
        }

        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, Options.UserInfoEndpoint);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
                return request;
            },
            "the userinfo endpoint",
            cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = ReadError(body);
            throw new ExternalServiceException(ServiceName, error?.Description ?? $"userinfo answered {(int)response.StatusCode}", (int)response.StatusCode, error?.Error);
        }

        var info = Deserialize<UserInfo>(body);
        if (info?.Subject is not { Length: > 0 } subject || info.Email is not { Length: > 0 } email)
        {
            throw new ExternalServiceException(ServiceName, "userinfo named no account (was the email scope granted?)");
        }

        if (!info.EmailVerified)
        {
            throw new ExternalServiceException(ServiceName, "the Google account's address is not verified");
        }

        return new GoogleIdentity(subject, Normalize(email), info.Name);
    }

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    private async Task<GoogleTokens> PostTokenAsync(Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        form["client_id"] = Options.ClientId;
        form["client_secret"] = Options.ClientSecret;
        var requestedAt = time.GetUtcNow();
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, Options.TokenEndpoint) { Content = new FormUrlEncodedContent(form) },
            "the token endpoint",
            cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = ReadError(body);
            throw new ExternalServiceException(
                ServiceName, error?.Description ?? $"token endpoint answered {(int)response.StatusCode}", (int)response.StatusCode, error?.Error);
        }

        var token = Deserialize<TokenResponse>(body);
        if (token?.AccessToken is not { Length: > 0 } accessToken)
        {
            throw new ExternalServiceException(ServiceName, "the token endpoint answered without an access_token", (int)response.StatusCode);
        }

        var lifetime = TimeSpan.FromSeconds(token.ExpiresIn > 0 ? token.ExpiresIn : 3600);
        var scopes = (token.Scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new GoogleTokens(accessToken, token.RefreshToken, requestedAt + lifetime, scopes, token.IdToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string what, CancellationToken cancellationToken)
    {
        using var request = create();
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ExternalServiceException(ServiceName, $"{what} could not be reached", innerException: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ExternalServiceException(ServiceName, $"{what} did not answer in time", innerException: ex);
        }
    }

    private static IdTokenClaims? ReadIdToken(string idToken)
    {
        var parts = idToken.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<IdTokenClaims>(B64.DecodeFromChars(parts[1]));
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static OAuthError? ReadError(string body) => Deserialize<OAuthError>(body);

    private static T? Deserialize<T>(string body)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("scope")] string? Scope,
        [property: JsonPropertyName("id_token")] string? IdToken);

    private sealed record OAuthError(
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("error_description")] string? Description);

    private sealed record IdTokenClaims(
        [property: JsonPropertyName("sub")] string? Subject,
        [property: JsonPropertyName("aud")] string? Audience,
        [property: JsonPropertyName("exp")] long Expires,
        [property: JsonPropertyName("email")] string? Email,
        [property: JsonPropertyName("email_verified")] bool EmailVerified,
        [property: JsonPropertyName("name")] string? Name);

    private sealed record UserInfo(
        [property: JsonPropertyName("sub")] string? Subject,
        [property: JsonPropertyName("email")] string? Email,
        [property: JsonPropertyName("email_verified")] bool EmailVerified,
        [property: JsonPropertyName("name")] string? Name);
}

/// <summary>What the token endpoint handed out.</summary>
public sealed record GoogleTokens(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt, IReadOnlyList<string> Scopes, string? IdToken);

/// <summary>The Google account behind a grant: its stable subject id and verified address.</summary>
public sealed record GoogleIdentity(string Subject, string Email, string? Name);

/// <summary>OAuth scopes the product asks for.</summary>
public static class GoogleScopes
{
    public const string OpenId = "openid";
    public const string Email = "email";
    public const string GmailReadOnly = "https://www.googleapis.com/auth/gmail.readonly";
    public const string GmailModify = "https://www.googleapis.com/auth/gmail.modify";
    public const string GmailLabels = "https://www.googleapis.com/auth/gmail.labels";

    /// <summary>Sign-in only: who the person is.</summary>
    public static readonly IReadOnlyList<string> SignIn = [OpenId, Email];

    /// <summary>What a connected account must grant for sync, labels and drafts.</summary>
    public static readonly IReadOnlyList<string> Gmail = [GmailReadOnly, GmailModify, GmailLabels];

    /// <summary>Connecting a Gmail account: the Gmail scopes plus the identity of the mailbox.</summary>
    public static readonly IReadOnlyList<string> Connect = [.. Gmail, OpenId, Email];

    /// <summary>Gmail scopes the grant lacks (Google lets users untick scopes on the consent screen).</summary>
    public static IReadOnlyList<string> MissingGmailScopes(IEnumerable<string> granted)
    {
        var set = granted.ToHashSet(StringComparer.Ordinal);
        // gmail.modify includes everything gmail.readonly allows.
        return [.. Gmail.Where(scope => !set.Contains(scope) && !(scope == GmailReadOnly && set.Contains(GmailModify)))];
    }
}
