using GmailAutomation.AuthService.Data;
using GmailAutomation.AuthService.Google;
using GmailAutomation.AuthService.Outbox;
using GmailAutomation.AuthService.Tokens;
using GmailAutomation.Common.Errors;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.AuthService.Accounts;

/// <summary>
/// The account registry: connecting, listing, disconnecting and the preferences of Gmail accounts. Every query a
/// user makes is scoped to that user; somebody else's account is simply not found. Each state change and the
/// event that announces it are saved in one transaction (outbox).
/// </summary>
public sealed partial class AccountService(
    AuthDbContext db,
    TokenStore tokens,
    GoogleOAuthClient google,
    OutboxSignal outbox,
    TimeProvider time,
    ILogger<AccountService> logger)
{
    public async Task<IReadOnlyList<AccountView>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var accounts = await db.Accounts.AsNoTracking().Include(a => a.Preferences)
            .Where(a => a.UserId == userId)
            .OrderBy(a => a.EmailAddress)
            .ToListAsync(cancellationToken);
        return [.. accounts.Select(AccountView.Of)];
    }

    /// <summary>The user's account; <see cref="NotFoundException"/> when it does not exist or belongs to someone else.</summary>
    public async Task<ConnectedAccount> GetOwnedAsync(Guid userId, Guid accountId, CancellationToken cancellationToken) =>
        await db.Accounts.Include(a => a.Preferences).SingleOrDefaultAsync(a => a.Id == accountId && a.UserId == userId, cancellationToken)
        ?? throw new NotFoundException("Account", accountId.ToString());

    /// <summary>An account by id or Gmail address, for other services (internal endpoints).</summary>
    public async Task<ConnectedAccount> FindAsync(string idOrAddress, CancellationToken cancellationToken)
    {
        var query = db.Accounts.AsNoTracking().Include(a => a.Preferences);
        ConnectedAccount? account;
        if (Guid.TryParse(idOrAddress, out var id))
        {
            account = await query.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        }
        else
        {
            var address = GoogleOAuthClient.Normalize(idOrAddress);
            account = await query.SingleOrDefaultAsync(a => a.EmailAddress == address, cancellationToken);
        }

        return account ?? throw new NotFoundException("Account", idOrAddress);
    }

    /// <summary>
    /// Stores the tokens of a granted Gmail account and records it as connected (a reconnect updates the existing
    /// account and keeps its preferences), publishing <see cref="AccountConnected"/>.
    /// </summary>
    public async Task<ConnectedAccount> ConnectAsync(Guid userId, GoogleIdentity identity, GoogleTokens granted, CancellationToken cancellationToken)
    {
        var refreshToken = granted.RefreshToken ?? throw new ArgumentException("A connect needs a refresh token.", nameof(granted));
        var existing = await db.Accounts.Include(a => a.Preferences)
            .SingleOrDefaultAsync(a => a.EmailAddress == identity.Email, cancellationToken);
        if (existing is not null && existing.UserId != userId)
        {
            throw new ValidationException("account", $"{identity.Email} is already connected by another user; it must be disconnected there first.");
        }

        var now = time.GetUtcNow();
        var account = existing ?? new ConnectedAccount
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            EmailAddress = identity.Email,
            GoogleSubject = identity.Subject,
            Preferences = new AccountPreferencesEntity { UpdatedAt = now },
        };
        account.GoogleSubject = identity.Subject;
        account.Status = AccountStatus.Connected;
        account.StatusReason = null;
        account.GrantedScopes = string.Join(' ', granted.Scopes);
        account.ConnectedAt = now;
        account.LastRefreshAt = now;
        account.DisconnectedAt = null;
        if (existing is null)
        {
            db.Accounts.Add(account);
        }

        OutboxWriter.Enqueue(db, new AccountConnected
        {
            AccountId = account.Id,
            EmailAddress = account.EmailAddress,
            GrantedScopes = granted.Scopes,
            IsReconnect = existing is not null,
            UserId = userId,
        }, now);

        await tokens.SaveAsync(new StoredTokens(account.Id, granted.AccessToken, refreshToken, granted.ExpiresAt, granted.Scopes, now), cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            // Nothing half-stored: without the account row the tokens must not stay behind.
            await tokens.DeleteAsync(account.Id);
            throw;
        }

        outbox.Notify();
        LogConnected(account.Id, existing is not null);
        return account;
    }

    /// <summary>Revokes the grant at Google, deletes the tokens and records the account as disconnected.</summary>
    public async Task<DisconnectResult> DisconnectAsync(Guid userId, Guid accountId, CancellationToken cancellationToken)
    {
        var account = await GetOwnedAsync(userId, accountId, cancellationToken);
        var revoked = false;
        if (await tokens.GetAsync(account.Id, cancellationToken) is { } stored)
        {
            await StopGmailWatchAsync(account.Id, stored, cancellationToken);
            try
            {
                await google.RevokeAsync(stored.RefreshToken, cancellationToken);
                revoked = true;
            }
            catch (ExternalServiceException ex)
            {
                // The user's wish to disconnect wins: we forget the tokens even if Google cannot be told now.
                LogRevokeFailed(ex, account.Id);
            }

            await tokens.DeleteAsync(account.Id);
        }

        if (account.Status != AccountStatus.Disconnected)
        {
            var now = time.GetUtcNow();
            account.Status = AccountStatus.Disconnected;
            account.StatusReason = AccountDisconnectReasons.UserRequested;
            account.DisconnectedAt = now;
            OutboxWriter.Enqueue(db, new AccountDisconnected
            {
                AccountId = account.Id,
                EmailAddress = account.EmailAddress,
                Reason = AccountDisconnectReasons.UserRequested,
                Detail = revoked ? "Disconnected by the user; access was revoked at Google." : "Disconnected by the user.",
            }, now);
            await db.SaveChangesAsync(cancellationToken);
            outbox.Notify();
        }

        return new DisconnectResult(AccountView.Of(account), revoked);
    }

    /// <summary>
    /// Stops the mailbox's push notifications while a token still can (email-service stops watches of paused
    /// accounts itself, but learns of a disconnect only after the grant is gone). Best effort: a failure is logged and
    /// the disconnect goes on.
    /// </summary>
    private async Task StopGmailWatchAsync(Guid accountId, StoredTokens stored, CancellationToken cancellationToken)
    {
        try
        {
            var accessToken = stored.ExpiresAt > time.GetUtcNow() + TimeSpan.FromMinutes(1)
                ? stored.AccessToken
                : (await google.RefreshAsync(stored.RefreshToken, cancellationToken)).AccessToken;
            await google.StopGmailWatchAsync(accessToken, cancellationToken);
        }
        catch (ExternalServiceException ex)
        {
            LogStopWatchFailed(ex, accountId);
        }
    }

    /// <summary>Google refused the refresh token: the account needs the user again. Publishes <see cref="AccountDisconnected"/> once.</summary>
    public async Task MarkReconnectRequiredAsync(Guid accountId, string detail, CancellationToken cancellationToken)
    {
        await tokens.DeleteAsync(accountId);
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null || account.Status != AccountStatus.Connected)
        {
            return;
        }

        var now = time.GetUtcNow();
        account.Status = AccountStatus.ReconnectRequired;
        account.StatusReason = AccountDisconnectReasons.TokenRevoked;
        account.DisconnectedAt = now;
        OutboxWriter.Enqueue(db, new AccountDisconnected
        {
            AccountId = account.Id,
            EmailAddress = account.EmailAddress,
            Reason = AccountDisconnectReasons.TokenRevoked,
            Detail = detail,
        }, now);
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        LogReconnectRequired(account.Id, detail);
    }

    public Task RecordRefreshAsync(Guid accountId, DateTimeOffset at, CancellationToken cancellationToken) =>
        db.Accounts.Where(a => a.Id == accountId).ExecuteUpdateAsync(set => set.SetProperty(a => a.LastRefreshAt, at), cancellationToken);

    /// <summary>Applies a validated change of preferences and publishes the complete new snapshot.</summary>
    public async Task<PreferencesView> UpdatePreferencesAsync(Guid userId, Guid accountId, PreferencesUpdate update, CancellationToken cancellationToken)
    {
        var account = await GetOwnedAsync(userId, accountId, cancellationToken);
        var preferences = account.Preferences;
        if (!PreferenceRules.Apply(preferences, update))
        {
            return PreferencesView.Of(preferences);
        }

        var now = time.GetUtcNow();
        preferences.Revision++;
        preferences.UpdatedAt = now;
        OutboxWriter.Enqueue(db, new PreferencesChanged
        {
            AccountId = account.Id,
            Revision = preferences.Revision,
            Preferences = ToContract(preferences),
        }, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ValidationException("revision", "The preferences were changed at the same moment by another request; load them again and retry.");
        }

        outbox.Notify();
        return PreferencesView.Of(preferences);
    }

    public static AccountPreferences ToContract(AccountPreferencesEntity p) => new()
    {
        DraftRepliesEnabled = p.DraftRepliesEnabled && !p.Paused,
        ReplyCategories = p.DraftCategories,
        Tone = p.Tone,
        Language = p.ReplyLanguage,
        Signature = p.Signature,
        ApplyLabels = p.LabelCategories.Count > 0 && !p.Paused,
        InitialSyncDays = p.SyncWindowDays,
        LabelCategories = p.LabelCategories,
        AiProvider = p.AiProvider,
        AiModel = p.AiModel,
        ReplyMode = p.ReplyMode,
        DailyAiSpendCapUsd = p.DailyAiSpendCapUsd,
        Paused = p.Paused,
        SyncBatchSize = p.SyncBatchSize,
        PollingIntervalSeconds = p.PollingIntervalSeconds,
        AdaptivePolling = p.AdaptivePolling,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} connected (reconnect: {IsReconnect})")]
    private partial void LogConnected(Guid accountId, bool isReconnect);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revoking the grant of account {AccountId} at Google failed; its tokens are deleted anyway")]
    private partial void LogRevokeFailed(Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the Gmail watch of account {AccountId} before disconnecting failed")]
    private partial void LogStopWatchFailed(Exception exception, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId} needs to be reconnected: {Detail}")]
    private partial void LogReconnectRequired(Guid accountId, string detail);
}
