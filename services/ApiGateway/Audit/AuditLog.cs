using System.Text.Json;
using GmailAutomation.ApiGateway.Data;
using GmailAutomation.Common.Errors;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ApiGateway.Audit;

/// <summary>Values of <see cref="AuditEntry.Action"/>.</summary>
public static class AuditActions
{
    public const string AccountConnected = "account.connected";
    public const string AccountReconnected = "account.reconnected";
    public const string AccountDisconnected = "account.disconnected";
    public const string PreferencesChanged = "preferences.changed";
    public const string SyncCompleted = "sync.completed";
    public const string EmailClassified = "email.classified";
    public const string ReplyGenerated = "reply.generated";
    public const string DraftCreated = "draft.created";
    public const string DraftRegenerationRequested = "draft.regeneration-requested";
    public const string CategoryCorrected = "category.corrected";

    // Changes to a user's classification set-up (ClassificationRulesChanged): the event names the action.
    public const string RuleCreated = ClassificationChangeActions.RuleCreated;
    public const string RuleUpdated = ClassificationChangeActions.RuleUpdated;
    public const string RuleDeleted = ClassificationChangeActions.RuleDeleted;
    public const string RulesReordered = ClassificationChangeActions.RulesReordered;
    public const string BuiltInSwitched = ClassificationChangeActions.BuiltInSwitched;
    public const string CategoryAdded = ClassificationChangeActions.CategoryAdded;
    public const string CategoryDeleted = ClassificationChangeActions.CategoryDeleted;
    public const string SettingsChanged = ClassificationChangeActions.SettingsChanged;

    /// <summary>Every action, in the order the audit page's filter lists them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        AccountConnected, AccountReconnected, AccountDisconnected, PreferencesChanged, SyncCompleted, EmailClassified, ReplyGenerated, DraftCreated,
        DraftRegenerationRequested, CategoryCorrected, .. ClassificationChangeActions.All,
    ];
}

/// <summary>
/// Writes and reads the audit log. Writing is insert-only and idempotent by event id and account (<c>ON CONFLICT DO
/// NOTHING</c>), so a redelivered event leaves one entry per account; the table itself refuses updates and deletes
/// (see the migration).
/// </summary>
public sealed class AuditLog(GatewayDbContext db, TimeProvider time)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const int MaxPageSize = 200;

    /// <summary>Appends <paramref name="entry"/> unless an entry for its event and account exists; true when it was added.</summary>
    public async Task<bool> AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        entry.RecordedAt = time.GetUtcNow();
        var rows = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO audit_entries ("EventId", "EventType", "Action", "UserId", "AccountId", "AccountEmail", "MessageId", "ThreadId",
                                       "Before", "After", "DecidedBy", "CorrelationId", "OccurredAt", "RecordedAt")
            VALUES ({entry.EventId}, {entry.EventType}, {entry.Action}, {entry.UserId}, {entry.AccountId}, {entry.AccountEmail}, {entry.MessageId},
                    {entry.ThreadId}, {entry.Before}::jsonb, {entry.After}::jsonb, {entry.DecidedBy}, {entry.CorrelationId}, {entry.OccurredAt}, {entry.RecordedAt})
            ON CONFLICT ("EventId", "AccountId") DO NOTHING
            """, cancellationToken);
        return rows == 1;
    }

    /// <summary>One page of an account's entries, newest first, after the filters; <paramref name="query"/>.Before continues a previous page.</summary>
    public async Task<AuditPage> QueryAsync(Guid accountId, AuditQuery query, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? 50;
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ValidationException("limit", $"limit must be between 1 and {MaxPageSize}.");
        }

        if (query.From is { } from && query.To is { } to && from > to)
        {
            throw new ValidationException("from", "from must not be later than to.");
        }

        var entries = db.AuditEntries.AsNoTracking().Where(e => e.AccountId == accountId);
        if (!string.IsNullOrEmpty(query.Action))
        {
            entries = entries.Where(e => e.Action == query.Action);
        }

        if (!string.IsNullOrEmpty(query.MessageId))
        {
            entries = entries.Where(e => e.MessageId == query.MessageId);
        }

        if (query.From is { } since)
        {
            entries = entries.Where(e => e.OccurredAt >= since);
        }

        if (query.To is { } until)
        {
            entries = entries.Where(e => e.OccurredAt < until);
        }

        if (query.Before is { } before)
        {
            entries = entries.Where(e => e.Id < before);
        }

        var page = await entries.OrderByDescending(e => e.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = page.Take(limit).Select(AuditEntryView.Of).ToList();
        return new AuditPage(items, page.Count > limit ? items[^1].Id : null);
    }

    public static string? ToJson<T>(T? value)
        where T : class => value is null ? null : JsonSerializer.Serialize(value, Json);
}

/// <summary>Filters and paging of an audit query.</summary>
/// <param name="Action">Only entries with this action (see <see cref="AuditActions"/>).</param>
/// <param name="MessageId">Only entries about this Gmail message.</param>
/// <param name="From">Only entries that happened at or after this time.</param>
/// <param name="To">Only entries that happened before this time.</param>
/// <param name="Before">Continue after the page that ended with this entry id (the previous page's <c>nextBefore</c>).</param>
/// <param name="Limit">Entries per page, 1 to 200 (50 when left out).</param>
public sealed record AuditQuery(string? Action, string? MessageId, DateTimeOffset? From, DateTimeOffset? To, long? Before, int? Limit);

/// <summary>A page of entries, newest first; <see cref="NextBefore"/> is null on the last page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, long? NextBefore);

/// <summary>One audit entry as the API shows it.</summary>
public sealed record AuditEntryView(
    long Id,
    Guid EventId,
    string EventType,
    string Action,
    Guid? UserId,
    Guid? AccountId,
    string? AccountEmail,
    string? MessageId,
    string? ThreadId,
    JsonElement? Before,
    JsonElement? After,
    string? DecidedBy,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt)
{
    public static AuditEntryView Of(AuditEntry e) => new(
        e.Id, e.EventId, e.EventType, e.Action, e.UserId, e.AccountId, e.AccountEmail, e.MessageId, e.ThreadId,
        Parse(e.Before), Parse(e.After), e.DecidedBy, e.CorrelationId, e.OccurredAt, e.RecordedAt);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
