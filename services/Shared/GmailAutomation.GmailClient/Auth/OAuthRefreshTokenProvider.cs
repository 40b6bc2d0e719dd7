using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using GmailAutomation.Common.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailClient.Auth;

/// <summary>
/// Exchanges an account's refresh token at the OAuth token endpoint (<c>Gmail:TokenEndpoint</c>, client id and
/// secret from <c>Gmail:ClientId</c>/<c>Gmail:ClientSecret</c>) and caches the access token until shortly
/// before it expires. One exchange per account at a time, however many callers wait.
/// </summary>
public sealed class OAuthRefreshTokenProvider : IGmailAccessTokenProvider
{
    private readonly HttpClient http;
    private readonly IGmailRefreshTokenSource refreshTokens;
    private readonly IOptionsMonitor<GmailClientOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<OAuthRefreshTokenProvider> logger;
    private readonly ConcurrentDictionary<string, CachedToken> cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.OrdinalIgnoreCase);

    public OAuthRefreshTokenProvider(
        HttpClient http,
        IGmailRefreshTokenSource refreshTokens,
        IOptionsMonitor<GmailClientOptions> options,
        TimeProvider time,
        ILogger<OAuthRefreshTokenProvider> logger)
    {
        this.http = http;
        this.refreshTokens = refreshTokens;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    public async ValueTask<string> GetAccessTokenAsync(string account, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(account);
        if (TryCached(account) is { } fresh)
        {
            return fresh;
        }

        var gate = gates.GetOrAdd(account, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryCached(account) is { } refreshedMeanwhile)
            {
                return refreshedMeanwhile;
            }

            var token = await ExchangeAsync(account, cancellationToken).ConfigureAwait(false);
            cache[account] = token;
            return token.AccessToken;
        }
        finally
        {
            gate.Release();
        }
    }

    public ValueTask InvalidateAsync(string account, string accessToken, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(account, out var cached) && cached.AccessToken == accessToken)
        {
            cache.TryRemove(new KeyValuePair<string, CachedToken>(account, cached));
        }

        return ValueTask.CompletedTask;
    }

    private string? TryCached(string account) =>
        cache.TryGetValue(account, out var cached) && time.GetUtcNow() < cached.RenewAt ? cached.AccessToken : null;

    private async Task<CachedToken> ExchangeAsync(string account, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var refreshToken = await refreshTokens.GetRefreshTokenAsync(account, cancellationToken).ConfigureAwait(false)
            ?? throw new AuthenticationException($"No Gmail refresh token is stored for account '{account}'.");

        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        };
        if (settings.ClientId is { Length: > 0 } clientId)
        {
            form["client_id"] = clientId;
        }

        if (settings.ClientSecret is { Length: > 0 } clientSecret)
        {
            form["client_secret"] = clientSecret;
        }

        var requestedAt = time.GetUtcNow();
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(settings.TokenEndpoint, new FormUrlEncodedContent(form), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ExternalServiceException("google-oauth", "the token endpoint could not be reached", innerException: ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = TryParse<TokenError>(body);
                logger.LogWarning("Token refresh failed with {Status} {Error}", (int)response.StatusCode, error?.Error);
                throw new ExternalServiceException(
                    "google-oauth",
                    error?.ErrorDescription ?? $"token endpoint answered {(int)response.StatusCode}",
                    (int)response.StatusCode,
                    error?.Error);
            }

            var token = TryParse<TokenResponse>(body);
            if (token?.AccessToken is not { Length: > 0 } accessToken)
            {
                throw new ExternalServiceException("google-oauth", "the token endpoint answered without an access_token", (int)response.StatusCode);
            }

            var lifetime = TimeSpan.FromSeconds(token.ExpiresIn > 0 ? token.ExpiresIn : 3600);
            var skew = settings.AccessTokenRefreshSkew < lifetime / 2 ? settings.AccessTokenRefreshSkew : lifetime / 2;
            return new CachedToken(accessToken, requestedAt + lifetime - skew);
        }
    }

    private static T? TryParse<T>(string body)
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

    private sealed record CachedToken(string AccessToken, DateTimeOffset RenewAt);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);

    private sealed record TokenError(
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("error_description")] string? ErrorDescription);
}
