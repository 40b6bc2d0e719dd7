using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailClient.Auth;
using Microsoft.Extensions.Options;

namespace GmailAutomation.AuthClient;

/// <summary>
/// <see cref="IGmailAccessTokenProvider"/> backed by the auth-service (<c>POST /internal/accounts/{account}/access-token</c>).
/// Tokens are cached per account in this process until shortly before they expire; concurrent callers for one
/// account share one request.
/// </summary>
public sealed class AuthServiceAccessTokenProvider(HttpClient http, IOptions<AuthServiceClientOptions> options, TimeProvider time)
    : IGmailAccessTokenProvider
{
    private const string ServiceName = "auth-service";

    private readonly ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.OrdinalIgnoreCase);

    public async ValueTask<string> GetAccessTokenAsync(string account, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(account);
        if (Cached(account) is { } cached)
        {
            return cached;
        }

        var gate = _gates.GetOrAdd(account, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Cached(account) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }

            using var response = await SendAsync(HttpMethod.Post, $"internal/accounts/{Uri.EscapeDataString(account)}/access-token", null, cancellationToken);
            await ThrowIfFailedAsync(response, account, cancellationToken);
            var token = await response.Content.ReadFromJsonAsync<AccessTokenResponse>(cancellationToken)
                ?? throw new ExternalServiceException(ServiceName, "the token endpoint answered with an empty body");
            _cache[account] = new CachedToken(token.AccessToken, token.ExpiresAt - options.Value.CacheUntilBeforeExpiry);
            return token.AccessToken;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask InvalidateAsync(string account, string accessToken, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(account, out var cached) && cached.AccessToken == accessToken)
        {
            _cache.TryRemove(new KeyValuePair<string, CachedToken>(account, cached));
        }

        using var response = await SendAsync(
            HttpMethod.Post,
            $"internal/accounts/{Uri.EscapeDataString(account)}/access-token/invalidate",
            JsonContent.Create(new { accessToken }),
            cancellationToken);
        await ThrowIfFailedAsync(response, account, cancellationToken);
    }

    private string? Cached(string account) =>
        _cache.TryGetValue(account, out var cached) && time.GetUtcNow() < cached.RenewAt ? cached.AccessToken : null;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(Base(), path)) { Content = content };
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ExternalServiceException(ServiceName, "the auth-service could not be reached", innerException: ex);
        }
    }

    private Uri Base()
    {
        var url = options.Value.BaseUrl.ToString();
        return new Uri(url.EndsWith('/') ? url : url + "/");
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, string account, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var problem = await ReadProblemAsync(response, cancellationToken);
        var detail = problem?.Detail ?? $"the auth-service answered {(int)response.StatusCode}";
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                throw new NotFoundException("Account", account);
            case HttpStatusCode.Unauthorized:
                // The account is not usable (reconnect required, disconnected) or this service lacks the key.
                var error = new AuthenticationException(detail);
                if (problem?.AccountStatus is { } status)
                {
                    error.With("accountStatus", status);
                }

                throw error;
            default:
                throw new ExternalServiceException(ServiceName, detail, (int)response.StatusCode);
        }
    }

    private static async Task<Problem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<Problem>(cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return null;
        }
    }

    private sealed record CachedToken(string AccessToken, DateTimeOffset RenewAt);

    private sealed record AccessTokenResponse(Guid AccountId, string EmailAddress, string AccessToken, DateTimeOffset ExpiresAt);

    private sealed record Problem(string? Title, string? Detail, string? AccountStatus);
}
