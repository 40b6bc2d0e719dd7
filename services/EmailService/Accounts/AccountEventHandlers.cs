using GmailAutomation.EmailService.Data;
using GmailAutomation.EmailService.Sync;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.EmailService.Accounts;

/// <summary>Keeps emaildb's account list in step with the auth-service's events; every handler is an idempotent upsert.</summary>
public sealed class AccountRegistry(
    EmailDbContext db,
    AccountSignals signals,
    SyncScheduler scheduler,
    IServiceProvider services,
    IOptions<EmailSyncOptions> options,
    TimeProvider time)
{
    /// <param name="readDirectory">
    /// Whether to read owner, status and preferences from the auth-service too: events that carry only part of the
    /// account need it; <see cref="PreferencesChanged"/> carries the whole preference snapshot and does not.
    /// </param>
    public async Task UpsertAsync(Guid accountId, Action<SyncAccount> change, CancellationToken cancellationToken, bool readDirectory = true)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        account ??= db.Accounts.Add(new SyncAccount { Id = accountId, Phase = SyncPhase.Pending }).Entity;
        change(account);
        if (readDirectory
            && options.Value.UseAuthServiceDirectory
            && await services.GetRequiredService<AccountDirectory>().GetAsync(accountId, cancellationToken) is { } details)
        {
            details.ApplyTo(account);
        }

        account.UpdatedAt = time.GetUtcNow();
        // A redelivery racing this insert fails on the key; the bus retries the event, which then updates the row.
        await db.SaveChangesAsync(cancellationToken);

        await signals.WakeAsync(accountId);
        scheduler.Poke();
    }

    /// <summary>
    /// Stores a preference snapshot unless a newer one is stored. One conditional UPDATE: handlers run concurrently,
    /// and a read-change-write of two snapshots at once could leave the older one stored.
    /// </summary>
    public async Task ApplyPreferencesAsync(PreferencesChanged @event, CancellationToken cancellationToken)
    {
        var preferences = @event.Preferences;
        var updated = await db.Accounts
            .Where(a => a.Id == @event.AccountId && a.PreferencesRevision <= @event.Revision)
            .ExecuteUpdateAsync(set => set
                .SetProperty(a => a.WindowDays, Math.Clamp(preferences.InitialSyncDays, 7, 90))
                .SetProperty(a => a.BatchSize, Math.Clamp(preferences.SyncBatchSize, 10, 500))
                .SetProperty(a => a.PollingIntervalSeconds, preferences.PollingIntervalSeconds)
                .SetProperty(a => a.AdaptivePolling, preferences.AdaptivePolling)
                .SetProperty(a => a.Paused, preferences.Paused)
                .SetProperty(a => a.PreferencesRevision, @event.Revision)
                .SetProperty(a => a.UpdatedAt, time.GetUtcNow()), cancellationToken);
        if (updated == 0 && !await db.Accounts.AnyAsync(a => a.Id == @event.AccountId, cancellationToken))
        {
            // The first event about this account: a racing insert fails on the key and the bus retries it as an update.
            await UpsertAsync(@event.AccountId, account => PreferencesChangedHandler.Apply(account, @event), cancellationToken, readDirectory: false);
            return;
        }

        await signals.WakeAsync(@event.AccountId);
        scheduler.Poke();
    }
}

public sealed class AccountConnectedHandler(AccountRegistry registry) : IIntegrationEventHandler<AccountConnected>
{
    public Task Handle(AccountConnected @event, CancellationToken cancellationToken) =>
        registry.UpsertAsync(@event.AccountId, account =>
        {
            account.EmailAddress = @event.EmailAddress.ToLowerInvariant();
            account.Connected = true;
            account.ReconnectRequired = false;
        }, cancellationToken);
}

public sealed class AccountDisconnectedHandler(AccountRegistry registry) : IIntegrationEventHandler<AccountDisconnected>
{
    public Task Handle(AccountDisconnected @event, CancellationToken cancellationToken) =>
        registry.UpsertAsync(@event.AccountId, account =>
        {
            if (@event.EmailAddress is { Length: > 0 } email)
            {
                account.EmailAddress = email.ToLowerInvariant();
            }

            // A revoked token needs the user again; any other reason ends the account's sync.
            if (@event.Reason == AccountDisconnectReasons.TokenRevoked)
            {
                account.ReconnectRequired = true;
            }
            else
            {
                account.Connected = false;
            }
        }, cancellationToken);
}

/// <summary>
/// Applies the sync part of the preference snapshot (window, batch size, polling, pause); an older revision than
/// the one stored is ignored. A pause stops the account's sync and its Gmail watch at the next scheduling round.
/// </summary>
public sealed class PreferencesChangedHandler(AccountRegistry registry) : IIntegrationEventHandler<PreferencesChanged>
{
    public Task Handle(PreferencesChanged @event, CancellationToken cancellationToken) =>
        registry.ApplyPreferencesAsync(@event, cancellationToken);

    public static void Apply(SyncAccount account, PreferencesChanged @event)
    {
        if (@event.Revision < account.PreferencesRevision)
        {
            return;
        }

        var preferences = @event.Preferences;
        account.WindowDays = Math.Clamp(preferences.InitialSyncDays, 7, 90);
        account.BatchSize = Math.Clamp(preferences.SyncBatchSize, 10, 500);
        account.PollingIntervalSeconds = preferences.PollingIntervalSeconds;
        account.AdaptivePolling = preferences.AdaptivePolling;
        account.Paused = preferences.Paused;
        account.PreferencesRevision = @event.Revision;
    }
}
