using System.Diagnostics;
using System.Diagnostics.Metrics;
using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Data;
using GmailAutomation.AuthService.Google;
using GmailAutomation.Common.Errors;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmailAutomation.AuthService.Tokens;

/// <summary>A usable access token handed to another service.</summary>
public sealed record AccessTokenResponse(Guid AccountId, string EmailAddress, string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Hands out access tokens, refreshing them ahead of expiry (<see cref="AuthServiceOptions.RefreshAhead"/>). One
/// refresh per account at a time across all replicas: the replica that takes the Redis lock refreshes, the
/// others wait until the store holds its result (or the account was marked for reconnect).
/// </summary>
public sealed partial class AccessTokenService(
    TokenStore store,
    RedisLock locks,
    GoogleOAuthClient google,
    AccountService accounts,
    AuthMetrics metrics,
    TimeProvider time,
    IOptions<AuthServiceOptions> options,
    ILogger<AccessTokenService> logger)
{
    /// <summary>A token whose remaining life is below this is not handed out even when a refresh fails.</summary>
    private static readonly TimeSpan s_minimumUsableLife = TimeSpan.FromSeconds(30);

    private AuthServiceOptions Options => options.Value;

    public static RedisKey LockKeyOf(Guid accountId) => "auth:refresh-lock:" + accountId.ToString("N");

    public async Task<AccessTokenResponse> GetAccessTokenAsync(AccountRef account, CancellationToken cancellationToken)
    {
        var giveUpAt = time.GetUtcNow() + Options.RefreshLockTimeout + TimeSpan.FromSeconds(5);
        while (true)
        {
            var tokens = await store.GetAsync(account.Id, cancellationToken) ?? throw await NotConnectedAsync(account, cancellationToken);
            if (IsFresh(tokens))
            {
                metrics.TokenServed(refreshed: false);
                return Response(account, tokens);
            }

            var lockKey = LockKeyOf(account.Id);
            if (await locks.TryAcquireAsync(lockKey, Options.RefreshLockTimeout) is { } lockToken)
            {
                try
                {
                    return await RefreshHoldingLockAsync(account, cancellationToken);
                }
                finally
                {
                    await locks.ReleaseAsync(lockKey, lockToken);
                }
            }

            // Another replica (or request) refreshes: wait for its result.
            while (true)
            {
                if (time.GetUtcNow() > giveUpAt)
                {
                    throw new ExternalServiceException(GoogleOAuthClient.ServiceName, "the token refresh by another replica did not finish in time");
                }

                await Task.Delay(Options.RefreshPollInterval, time, cancellationToken);
                var current = await store.GetAsync(account.Id, cancellationToken);
                if (current is null || IsFresh(current))
                {
                    break;
                }

                if (!await locks.IsHeldAsync(lockKey))
                {
                    // The holder gave up (Google failed) or died: try to take over.
                    break;
                }
            }
        }
    }

    /// <summary>Forgets <paramref name="accessToken"/> when Gmail rejected it, so the next request refreshes.</summary>
    public async Task InvalidateAsync(AccountRef account, string accessToken, CancellationToken cancellationToken)
    {
        var tokens = await store.GetAsync(account.Id, cancellationToken);
        if (tokens is not null && tokens.AccessToken == accessToken)
        {
            await store.SaveAsync(tokens with { ExpiresAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() }, cancellationToken);
        }
    }

    private async Task<AccessTokenResponse> RefreshHoldingLockAsync(AccountRef account, CancellationToken cancellationToken)
    {
        // Someone may have finished a refresh between our read and our lock.
        var tokens = await store.GetAsync(account.Id, cancellationToken) ?? throw await NotConnectedAsync(account, cancellationToken);
        if (IsFresh(tokens))
        {
            metrics.TokenServed(refreshed: false);
            return Response(account, tokens);
        }

        var started = Stopwatch.GetTimestamp();
        GoogleTokens refreshed;
        try
        {
            refreshed = await google.RefreshAsync(tokens.RefreshToken, cancellationToken);
        }
        catch (ExternalServiceException ex) when (ex.Reason == GoogleOAuthClient.InvalidGrant)
        {
            metrics.RefreshFailed("invalid_grant");
            await accounts.MarkReconnectRequiredAsync(account.Id, $"Google refused the refresh token: {ex.Failure}", cancellationToken);
            throw ReconnectRequired(account);
        }
        catch (ExternalServiceException ex) when (tokens.ExpiresAt - time.GetUtcNow() > s_minimumUsableLife)
        {
            // Google is having trouble but the current token still works for a while: use it and try again next time.
            metrics.RefreshFailed("transient");
            LogRefreshFailedUsingCurrent(ex, account.Id);
            return Response(account, tokens);
        }

        var now = time.GetUtcNow();
        var updated = tokens with
        {
            AccessToken = refreshed.AccessToken,
            RefreshToken = refreshed.RefreshToken ?? tokens.RefreshToken,
            ExpiresAt = refreshed.ExpiresAt,
            Scopes = refreshed.Scopes.Count > 0 ? refreshed.Scopes : tokens.Scopes,
            UpdatedAt = now,
        };
        await store.SaveAsync(updated, cancellationToken);
        metrics.Refreshed(Stopwatch.GetElapsedTime(started));
        metrics.TokenServed(refreshed: true);
        await accounts.RecordRefreshAsync(account.Id, now, cancellationToken);
        LogRefreshed(account.Id, updated.ExpiresAt);
        return Response(account, updated);
    }

    private bool IsFresh(StoredTokens tokens) => tokens.ExpiresAt - time.GetUtcNow() > Options.RefreshAhead;

    private static AccessTokenResponse Response(AccountRef account, StoredTokens tokens) =>
        new(account.Id, account.EmailAddress, tokens.AccessToken, tokens.ExpiresAt);

    /// <summary>No tokens are stored: the account's status (read fresh from the database) says why.</summary>
    private async Task<GmailAutomationException> NotConnectedAsync(AccountRef reference, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(reference.Id.ToString(), cancellationToken);
        return account.Status == AccountStatus.Connected
            ? ReconnectRequired(reference)
            : new AuthenticationException($"Account {account.EmailAddress} is {account.Status}: it has no usable Gmail tokens.")
                .With("accountId", account.Id)
                .With("accountStatus", account.Status.ToString());
    }

    private static GmailAutomationException ReconnectRequired(AccountRef account) =>
        new AuthenticationException($"Google no longer accepts the grant of {account.EmailAddress}; the user must connect it again.")
            .With("accountId", account.Id)
            .With("accountStatus", AccountStatus.ReconnectRequired.ToString());

    [LoggerMessage(Level = LogLevel.Information, Message = "Refreshed the access token of account {AccountId}; valid until {ExpiresAt}")]
    private partial void LogRefreshed(Guid accountId, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the access token of account {AccountId} failed; the current token is still valid and is used")]
    private partial void LogRefreshFailedUsingCurrent(Exception exception, Guid accountId);
}

/// <summary>The auth-service's own instruments (meter <c>GmailAutomation.AuthService</c>).</summary>
public sealed class AuthMetrics
{
    public const string MeterName = "GmailAutomation.AuthService";

    private readonly Counter<long> _served;
    private readonly Counter<long> _refreshFailures;
    private readonly Histogram<double> _refreshDuration;

    public AuthMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _served = meter.CreateCounter<long>("auth.access_tokens.served", description: "Access tokens handed to other services.");
        _refreshFailures = meter.CreateCounter<long>("auth.access_tokens.refresh_failures", description: "Token refreshes Google refused or failed.");
        _refreshDuration = meter.CreateHistogram<double>("auth.access_tokens.refresh_duration", unit: "ms", description: "Time of a refresh at Google.");
    }

    public void TokenServed(bool refreshed) => _served.Add(1, new KeyValuePair<string, object?>("refreshed", refreshed));

    public void RefreshFailed(string kind) => _refreshFailures.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Refreshed(TimeSpan duration) => _refreshDuration.Record(duration.TotalMilliseconds);
}
