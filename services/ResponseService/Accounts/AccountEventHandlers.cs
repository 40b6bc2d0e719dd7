using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.ResponseService.Accounts;

public sealed class AccountConnectedHandler(AccountStore accounts) : IIntegrationEventHandler<AccountConnected>
{
    public Task Handle(AccountConnected @event, CancellationToken cancellationToken) =>
        accounts.UpsertAsync(@event.AccountId, account =>
        {
            account.EmailAddress = @event.EmailAddress.ToLowerInvariant();
            account.Connected = true;
        }, cancellationToken);
}

/// <summary>A disconnected account gets no further replies (a revoked token too: its drafts could not be saved).</summary>
public sealed class AccountDisconnectedHandler(AccountStore accounts) : IIntegrationEventHandler<AccountDisconnected>
{
    public Task Handle(AccountDisconnected @event, CancellationToken cancellationToken) =>
        accounts.UpsertAsync(@event.AccountId, account =>
        {
            if (@event.EmailAddress is { Length: > 0 } email)
            {
                account.EmailAddress = email.ToLowerInvariant();
            }

            account.Connected = false;
        }, cancellationToken);
}

/// <summary>Keeps the newest preference snapshot per account (by revision); an older, late snapshot changes nothing.</summary>
public sealed class PreferencesChangedHandler(AccountStore accounts) : IIntegrationEventHandler<PreferencesChanged>
{
    public Task Handle(PreferencesChanged @event, CancellationToken cancellationToken) =>
        accounts.UpsertAsync(@event.AccountId, account => AccountStore.Apply(account, @event.Preferences, @event.Revision), cancellationToken);
}
