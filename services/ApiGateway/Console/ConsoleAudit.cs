using GmailAutomation.ApiGateway.Audit;
using GmailAutomation.ApiGateway.Data;
using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.Common.Correlation;

namespace GmailAutomation.ApiGateway.Console;

/// <summary>Actions a person takes in the console that no integration event reports (rules, corrections, regeneration).</summary>
public static class ConsoleAuditActions
{
    public const string RuleSaved = "rule.saved";
    public const string RuleDeleted = "rule.deleted";
    public const string RulesReordered = "rules.reordered";
    public const string BuiltInSwitched = "builtin.switched";
    public const string CategoryCorrected = "category.corrected";
    public const string DraftRegenerationRequested = "draft.regeneration-requested";

    public static IReadOnlyList<string> All { get; } = [RuleSaved, RuleDeleted, RulesReordered, BuiltInSwitched, CategoryCorrected, DraftRegenerationRequested];
}

/// <summary>
/// Writes those actions into the same append-only audit log as the events, so the audit page tells the whole story
/// of an account: what the automation did and what its owner changed. Each entry has its own id (no event behind it).
/// </summary>
public sealed class ConsoleAudit(AuditLog log, IHttpContextAccessor accessor, TimeProvider time)
{
    public const string EventType = "ConsoleAction";

    public async Task RecordAsync(AccountInfo account, string action, string? messageId, object? before, object? after, CancellationToken cancellationToken)
    {
        var caller = GatewayCaller.Require(accessor.HttpContext?.User ?? new());
        await log.AppendAsync(new AuditEntry
        {
            EventId = Guid.NewGuid(),
            EventType = EventType,
            Action = action,
            UserId = caller.UserId,
            AccountId = account.Id,
            AccountEmail = account.EmailAddress,
            MessageId = messageId,
            Before = AuditLog.ToJson(before),
            After = AuditLog.ToJson(after),
            DecidedBy = "user",
            CorrelationId = CorrelationId.CurrentOrNew(),
            OccurredAt = time.GetUtcNow(),
        }, cancellationToken);
    }
}
