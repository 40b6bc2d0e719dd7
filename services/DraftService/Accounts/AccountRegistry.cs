using GmailAutomation.Common.Errors;
using GmailAutomation.DraftService.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.DraftService.Accounts;

/// <summary>Keeps draftdb's accounts in step with the auth-service's events (idempotent upserts) and finds an account for a draft.</summary>
public sealed class AccountRegistry(DraftDbContext db, IServiceProvider services, IOptions<DraftServiceOptions> options, TimeProvider time)
{
    public async Task UpsertAsync(Guid accountId, Action<DraftAccount> change, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        account ??= db.Accounts.Add(new DraftAccount { Id = accountId }).Entity;
        change(account);
        if (options.Value.UseAuthServiceDirectory
            && await services.GetRequiredService<AccountDirectory>().GetAsync(accountId, cancellationToken) is { } details)
        {
            details.ApplyTo(account);
        }

        account.UpdatedAt = time.GetUtcNow();

        // A redelivery racing this insert fails on the key; the bus retries the event, which then updates the row.
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The account a reply is for; asks the auth-service when its events have not arrived yet.</summary>
    public async Task<DraftAccount> GetAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is { EmailAddress.Length: > 0 })
        {
            return account;
        }

        if (options.Value.UseAuthServiceDirectory)
        {
            await UpsertAsync(accountId, _ => { }, cancellationToken);
            account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
            if (account is { EmailAddress.Length: > 0 })
            {
                return account;
            }
        }

        // The AccountConnected event may still be on its way: the bus retries this delivery later.
        throw new NotFoundException("Account", accountId.ToString());
    }
}

public sealed class AccountConnectedHandler(AccountRegistry registry) : IIntegrationEventHandler<AccountConnected>
{
    public Task Handle(AccountConnected @event, CancellationToken cancellationToken) =>
        registry.UpsertAsync(@event.AccountId, account =>
        {
            account.EmailAddress = @event.EmailAddress.ToLowerInvariant();
            account.Connected = true;
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

            // Whatever the reason, Gmail cannot be written for this account until it is connected again.
            account.Connected = false;
        }, cancellationToken);
}

/// <summary>Keeps the latest preference snapshot per account; an older revision arriving late is dropped.</summary>
public sealed class PreferencesChangedHandler(DraftDbContext db, AccountRegistry registry, TimeProvider time) : IIntegrationEventHandler<PreferencesChanged>
{
    public async Task Handle(PreferencesChanged @event, CancellationToken cancellationToken)
    {
        // One conditional UPDATE: handlers run concurrently, and a read-change-write of two snapshots at once could
        // leave the older one stored. The database compares the revisions, so the newest always wins.
        var replyMode = ReplyModeOf(@event);
        var updated = await db.Accounts
            .Where(a => a.Id == @event.AccountId && a.PreferencesRevision < @event.Revision)
            .ExecuteUpdateAsync(set => set
                .SetProperty(a => a.ReplyMode, replyMode)
                .SetProperty(a => a.DraftRepliesEnabled, @event.Preferences.DraftRepliesEnabled)
                .SetProperty(a => a.Paused, @event.Preferences.Paused)
                .SetProperty(a => a.PreferencesRevision, @event.Revision)
                .SetProperty(a => a.UpdatedAt, time.GetUtcNow()), cancellationToken);
        if (updated > 0 || await db.Accounts.AnyAsync(a => a.Id == @event.AccountId, cancellationToken))
        {
            return;
        }

        // The first event about this account: a racing insert fails on the key and the bus retries it as an update.
        await registry.UpsertAsync(@event.AccountId, account =>
        {
            if (@event.Revision > account.PreferencesRevision)
            {
                account.ReplyMode = replyMode;
                account.DraftRepliesEnabled = @event.Preferences.DraftRepliesEnabled;
                account.Paused = @event.Preferences.Paused;
                account.PreferencesRevision = @event.Revision;
            }
        }, cancellationToken);
    }

    private static string ReplyModeOf(PreferencesChanged @event) =>
        @event.Preferences.ReplyMode == ReplyModes.ReplyAll ? ReplyModes.ReplyAll : ReplyModes.Reply;
}
