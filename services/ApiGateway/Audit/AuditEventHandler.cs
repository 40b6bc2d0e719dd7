using GmailAutomation.ApiGateway.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ApiGateway.Audit;

/// <summary>
/// Writes one audit entry per integration event, so no service can forget to: the account, the action, the message,
/// before/after where it applies, what decided (user, rule, model, provider), the correlation id and the event's time.
/// Idempotent by event id. Reply texts and message bodies are not copied into the log.
/// </summary>
public sealed class AuditEventHandler(GatewayDbContext db, AuditLog log, AccountOwnership owners) :
    IIntegrationEventHandler<AccountConnected>,
    IIntegrationEventHandler<AccountDisconnected>,
    IIntegrationEventHandler<PreferencesChanged>,
    IIntegrationEventHandler<SyncCompleted>,
    IIntegrationEventHandler<EmailClassified>,
    IIntegrationEventHandler<ReplyGenerated>,
    IIntegrationEventHandler<DraftCreated>
{
    /// <summary>The consumer's untyped entry point: one handler class serves every audited event.</summary>
    Task IIntegrationEventHandler.Handle(IntegrationEvent @event, CancellationToken cancellationToken) => @event switch
    {
        AccountConnected e => Handle(e, cancellationToken),
        AccountDisconnected e => Handle(e, cancellationToken),
        PreferencesChanged e => Handle(e, cancellationToken),
        SyncCompleted e => Handle(e, cancellationToken),
        EmailClassified e => Handle(e, cancellationToken),
        ReplyGenerated e => Handle(e, cancellationToken),
        DraftCreated e => Handle(e, cancellationToken),
        _ => throw new ArgumentException($"The audit log does not subscribe to {@event.GetType().Name}.", nameof(@event)),
    };

    public async Task Handle(AccountConnected @event, CancellationToken cancellationToken)
    {
        if (@event.UserId is { } userId)
        {
            await owners.RecordAsync(@event.AccountId, userId, @event.EmailAddress, cancellationToken);
        }

        var entry = await EntryAsync(@event, @event.AccountId, @event.IsReconnect ? AuditActions.AccountReconnected : AuditActions.AccountConnected, "user", cancellationToken);
        entry.AccountEmail ??= @event.EmailAddress;
        entry.After = AuditLog.ToJson(new { @event.EmailAddress, @event.GrantedScopes });
        await log.AppendAsync(entry, cancellationToken);
    }

    public async Task Handle(AccountDisconnected @event, CancellationToken cancellationToken)
    {
        var decidedBy = @event.Reason == AccountDisconnectReasons.UserRequested ? "user" : "system";
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.AccountDisconnected, decidedBy, cancellationToken);
        entry.Before = AuditLog.ToJson(new { Status = "Connected" });
        entry.After = AuditLog.ToJson(new { Status = "Disconnected", @event.Reason, @event.Detail });
        await log.AppendAsync(entry, cancellationToken);
    }

    /// <summary>Before is the last snapshot seen for the account (none for the first, or for a snapshot older than it).</summary>
    public async Task Handle(PreferencesChanged @event, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var owner = await db.AccountOwners.SingleOrDefaultAsync(o => o.AccountId == @event.AccountId, cancellationToken);
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.PreferencesChanged, "user", cancellationToken);
        var after = AuditLog.ToJson(@event.Preferences);
        entry.After = after;
        if (owner is not null && @event.Revision > owner.PreferencesRevision)
        {
            entry.Before = owner.Preferences;
            owner.Preferences = after;
            owner.PreferencesRevision = @event.Revision;
            await db.SaveChangesAsync(cancellationToken);
        }

        await log.AppendAsync(entry, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task Handle(SyncCompleted @event, CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.SyncCompleted, "system", cancellationToken);
        entry.After = AuditLog.ToJson(new { @event.Kind, @event.MessagesSynced, HistoryId = @event.HistoryId.ToString(System.Globalization.CultureInfo.InvariantCulture), @event.StartedAt, @event.CompletedAt });
        await log.AppendAsync(entry, cancellationToken);
    }

    public async Task Handle(EmailClassified @event, CancellationToken cancellationToken)
    {
        var decision = @event.DecidedBy;
        var decidedBy = decision.Kind == "rule" ? $"rule:{decision.RuleId}" : $"{decision.Kind}:{decision.ModelVersion}";
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.EmailClassified, decidedBy, cancellationToken);
        entry.MessageId = @event.GmailMessageId;
        entry.ThreadId = @event.ThreadId;
        entry.After = AuditLog.ToJson(new { @event.Category, @event.Confidence, @event.NeedsReply, @event.NeedsReplyReason, @event.LabelsApplied });
        await log.AppendAsync(entry, cancellationToken);
    }

    public async Task Handle(ReplyGenerated @event, CancellationToken cancellationToken)
    {
        var model = string.IsNullOrEmpty(@event.Model) ? string.Empty : "/" + @event.Model;
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.ReplyGenerated, $"provider:{@event.Provider}{model}", cancellationToken);
        entry.MessageId = @event.GmailMessageId;
        entry.ThreadId = @event.ThreadId;
        entry.After = AuditLog.ToJson(new { @event.Provider, @event.Model, @event.PromptTokens, @event.CompletionTokens, @event.CostUsd, ReplyLength = @event.ReplyText.Length });
        await log.AppendAsync(entry, cancellationToken);
    }

    public async Task Handle(DraftCreated @event, CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.DraftCreated, "system", cancellationToken);
        entry.MessageId = @event.GmailMessageId;
        entry.ThreadId = @event.ThreadId;
        entry.After = AuditLog.ToJson(new { @event.DraftId, @event.DraftMessageId });
        await log.AppendAsync(entry, cancellationToken);
    }

    /// <summary>The common part of an entry; the user is the account's known owner (queries are scoped by the owner table, not by this).</summary>
    private async Task<AuditEntry> EntryAsync(IntegrationEvent @event, Guid accountId, string action, string decidedBy, CancellationToken cancellationToken)
    {
        var owner = await db.AccountOwners.AsNoTracking().Where(o => o.AccountId == accountId)
            .Select(o => new { o.UserId, o.EmailAddress }).SingleOrDefaultAsync(cancellationToken);
        return new AuditEntry
        {
            EventId = @event.Id,
            EventType = IntegrationEventType.NameOf(@event.GetType()),
            Action = action,
            UserId = owner?.UserId,
            AccountId = accountId,
            AccountEmail = owner?.EmailAddress,
            DecidedBy = decidedBy,
            CorrelationId = @event.CorrelationId,
            OccurredAt = @event.CreatedAt,
        };
    }
}
