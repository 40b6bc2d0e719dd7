using System.Text.Json.Nodes;

namespace GmailAutomation.ApiGateway.Console;

// The parts of the services' public answers the console shows. They mirror the services' own views (names as in
// their OpenAPI documents); fields the console does not use are left out and ignored when read.

public sealed record AccountInfo(
    Guid Id, string EmailAddress, string Status, string? StatusReason, DateTimeOffset ConnectedAt, DateTimeOffset? DisconnectedAt, PreferencesInfo Preferences)
{
    public bool IsConnected => Status == "Connected";

    public bool NeedsReconnect => Status == "ReconnectRequired";
}

public sealed record PreferencesInfo(
    int SyncWindowDays,
    int SyncBatchSize,
    int PollingIntervalSeconds,
    bool AdaptivePolling,
    IReadOnlyList<string> LabelCategories,
    IReadOnlyList<string> DraftCategories,
    bool DraftRepliesEnabled,
    string AiProvider,
    string? AiModel,
    string Tone,
    string ReplyLanguage,
    string? Signature,
    string ReplyMode,
    decimal DailyAiSpendCapUsd,
    bool Paused,
    long Revision,
    DateTimeOffset UpdatedAt);

public sealed record SyncStatusInfo(
    Guid AccountId,
    string EmailAddress,
    string State,
    string Phase,
    int Done,
    int Estimated,
    int Skipped,
    double? LagSeconds,
    DateTimeOffset? LastSyncAt,
    DateTimeOffset? WatchExpiresAt,
    long QuotaUnitsUsed,
    long RateLimitedCount,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int ResyncCount,
    DateTimeOffset? LastResyncAt,
    string? LastResyncReason,
    DateTimeOffset? InitialCompletedAt)
{
    /// <summary>0–100 for the progress bar; 100 once the initial sync finished.</summary>
    public int Percent => InitialCompletedAt is not null ? 100 : Estimated <= 0 ? 0 : Math.Clamp((int)(100L * (Done + Skipped) / Estimated), 0, 100);
}

public sealed record QuotaPointInfo(DateTimeOffset Minute, long Units);

public sealed record QuotaHistoryInfo(Guid AccountId, IReadOnlyList<QuotaPointInfo> Points);

public sealed record ActivityItemInfo(
    string GmailMessageId,
    string ThreadId,
    string Subject,
    string? From,
    string Category,
    bool Corrected,
    string DecidedBy,
    string? RuleId,
    string? ModelVersion,
    double? Confidence,
    bool NeedsReply,
    string? NeedsReplyReason,
    IReadOnlyList<string> Labels,
    DateTimeOffset InternalDate,
    DateTimeOffset ProcessedAt);

public sealed record ActivityPageInfo(IReadOnlyList<ActivityItemInfo> Items, DateTimeOffset? NextBefore, string? NextBeforeId);

public sealed record CategoriesInfo(IReadOnlyList<string> BuiltIn, IReadOnlyList<string> Own)
{
    public IEnumerable<string> All => BuiltIn.Concat(Own);
}

public sealed record RuleInfo(Guid Id, int Position, string Name, bool Enabled, JsonObject Condition, IReadOnlyList<RuleActionInfo> Actions, DateTimeOffset UpdatedAt);

public sealed record BuiltInRuleInfo(string Id, string Name, bool Enabled);

public sealed record RuleListInfo(IReadOnlyList<RuleInfo> Rules, IReadOnlyList<BuiltInRuleInfo> BuiltIns, long Revision);

public sealed record RuleActionInfo(string Type, string? Value);

public sealed record DryRunChangeInfo(
    string GmailMessageId,
    string Subject,
    string? From,
    string CurrentCategory,
    string ProposedCategory,
    string DecidedBy,
    string? RuleName,
    IReadOnlyList<string> LabelsAdded,
    IReadOnlyList<string> LabelsRemoved,
    IReadOnlyList<string> Issues);

public sealed record DryRunInfo(int MessagesExamined, int WouldChange, IReadOnlyList<DryRunChangeInfo> Changes, IReadOnlyList<string> Notes);

public sealed record CorrectionResultInfo(CorrectionInfo Correction, int CorrectionsSinceLastModel, bool RetrainDue);

public sealed record CorrectionInfo(long Id, string GmailMessageId, string PreviousCategory, string Category, DateTimeOffset CreatedAt);

public sealed record DraftInfo(
    Guid AccountId,
    string GmailMessageId,
    string ThreadId,
    string Status,
    string? SkipReason,
    string? DraftId,
    string Provider,
    string Model,
    int PromptTokens,
    int CompletionTokens,
    decimal CostUsd,
    int Regenerations,
    bool RegenerationPending,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record DraftHistoryInfo(string? From, string To, string? Detail, DateTimeOffset At);

public sealed record DraftDetailInfo(DraftInfo Draft, IReadOnlyList<DraftHistoryInfo> History);

public sealed record ReplyInfo(string GmailMessageId, string Category, string Language, string ReplyText, string Provider, string Model, decimal CostUsd, string? FallbackReason, DateTimeOffset CreatedAt);

public sealed record UsageDayInfo(DateOnly Day, string Provider, string Model, int Calls, int FailedCalls, int PromptTokens, int CompletionTokens, decimal CostUsd);

public sealed record UsageInfo(IReadOnlyList<UsageDayInfo> Days, decimal SpentTodayUsd, decimal DailyCapUsd, bool CapReached, int OfflineReplies);
