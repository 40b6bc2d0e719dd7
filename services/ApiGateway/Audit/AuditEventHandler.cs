using GmailAutomation.ApiGateway.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ApiGateway.Audit;

/// <summary>
/// Writes one audit entry per integration event, so no service can forget to: the account, the action, the message,
/// before/after where it applies, what decided (user, rule, model, provider), the correlation id and the event's time.
/// The user's own changes arrive as events too (rules and settings, corrections, draft regeneration), whichever client
/// made them. An event about a user rather than an account (<see cref="ClassificationRulesChanged"/>) is written to each
/// account the user owns. Idempotent by event id and account. Reply texts and message bodies are not copied into the log.
/// </summary>
public sealed class AuditEventHandler(GatewayDbContext db, AuditLog log, AccountOwnership owners) :
    IIntegrationEventHandler<AccountConnected>,
    IIntegrationEventHandler<AccountDisconnected>,
    IIntegrationEventHandler<PreferencesChanged>,
    IIntegrationEventHandler<SyncCompleted>,
    IIntegrationEventHandler<EmailClassified>,
    IIntegrationEventHandler<ReplyGenerated>,
    IIntegrationEventHandler<DraftCreated>,
    IIntegrationEventHandler<DraftRegenerationRequested>,
    IIntegrationEventHandler<ClassificationRulesChanged>,
    IIntegrationEventHandler<ClassificationCorrected>
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
        DraftRegenerationRequested e => Handle(e, cancellationToken),
        ClassificationRulesChanged e => Handle(e, cancellationToken),
        ClassificationCorrected e => Handle(e, cancellationToken),
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

    public async Task Handle(DraftRegenerationRequested @event, CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.DraftRegenerationRequested, "user", cancellationToken);
        entry.MessageId = @event.GmailMessageId;
        entry.ThreadId = @event.ThreadId;
        entry.Before = AuditLog.ToJson(new { @event.DraftId, Provider = @event.PreviousProvider });
        entry.After = AuditLog.ToJson(new { @event.DraftId, @event.RequestId });
        await log.AppendAsync(entry, cancellationToken);
    }

    public async Task Handle(ClassificationCorrected @event, CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(@event, @event.AccountId, AuditActions.CategoryCorrected, "user", cancellationToken);
        entry.UserId ??= @event.UserId;
        entry.MessageId = @event.GmailMessageId;
        entry.ThreadId = @event.ThreadId;
        entry.Before = AuditLog.ToJson(new { Category = @event.PreviousCategory });
        entry.After = AuditLog.ToJson(new { @event.Category, @event.LabelIdsAdded, @event.LabelIdsRemoved });
        await log.AppendAsync(entry, cancellationToken);
    }

    /// <summary>
    /// Rules belong to the user and apply to all of their accounts: one entry per account the user owns (only theirs,
    /// from the owner table), each keyed by (event, account). A user with no known account still gets one entry,
    /// without an account, so that the change is on record.
    /// </summary>
    public async Task Handle(ClassificationRulesChanged @event, CancellationToken cancellationToken)
    {
        var owned = await db.AccountOwners.AsNoTracking().Where(o => o.UserId == @event.UserId)
            .OrderBy(o => o.AccountId).Select(o => new { o.AccountId, o.EmailAddress }).ToListAsync(cancellationToken);
        IReadOnlyList<(Guid? Id, string? Email)> targets = owned.Count == 0 ? [(null, null)] : [.. owned.Select(o => ((Guid?)o.AccountId, (string?)o.EmailAddress))];
        var action = string.IsNullOrWhiteSpace(@event.Action) ? "classification.changed" : @event.Action.Trim();
        action = action.Length > 64 ? action[..64] : action;
        var before = @event.Before is { } b ? b.GetRawText() : null;
        var after = @event.After is { } a ? a.GetRawText() : null;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (accountId, email) in targets)
        {
            await log.AppendAsync(
                new AuditEntry
                {
                    EventId = @event.Id,
                    EventType = IntegrationEventType.NameOf(@event.GetType()),
                    Action = action,
                    UserId = @event.UserId,
                    AccountId = accountId,
                    AccountEmail = email,
                    MessageId = null,
                    Before = before,
                    After = after,
                    DecidedBy = "user",
                    CorrelationId = @event.CorrelationId,
                    OccurredAt = @event.CreatedAt,
                },
                cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
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
