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
    public async Task UpsertAsync(Guid accountId, Action<SyncAccount> change, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        account ??= db.Accounts.Add(new SyncAccount { Id = accountId, Phase = SyncPhase.Pending }).Entity;
        change(account);
        if (options.Value.UseAuthServiceDirectory
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

public sealed class PreferencesChangedHandler(AccountRegistry registry) : IIntegrationEventHandler<PreferencesChanged>
{
    public Task Handle(PreferencesChanged @event, CancellationToken cancellationToken) =>
        registry.UpsertAsync(@event.AccountId, account =>
        {
            if (@event.Revision >= account.PreferencesRevision)
            {
                account.WindowDays = Math.Clamp(@event.Preferences.InitialSyncDays, 7, 90);
                account.PreferencesRevision = @event.Revision;
            }
        }, cancellationToken);
}
