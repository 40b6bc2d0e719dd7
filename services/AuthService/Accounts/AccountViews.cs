using GmailAutomation.AuthService.Data;

namespace GmailAutomation.AuthService.Accounts;

/// <summary>A connected account as its owner sees it.</summary>
public sealed record AccountView(
    Guid Id,
    string EmailAddress,
    string Status,
    string? StatusReason,
    IReadOnlyList<string> GrantedScopes,
    DateTimeOffset ConnectedAt,
    DateTimeOffset? LastRefreshAt,
    DateTimeOffset? DisconnectedAt,
    PreferencesView Preferences)
{
    public static AccountView Of(ConnectedAccount account) => new(
        account.Id,
        account.EmailAddress,
        account.Status.ToString(),
        account.StatusReason,
        account.GrantedScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        account.ConnectedAt,
        account.LastRefreshAt,
        account.DisconnectedAt,
        PreferencesView.Of(account.Preferences));
}

/// <summary>An account as other services see it (internal endpoint): the owner and the complete preferences.</summary>
public sealed record InternalAccountView(Guid Id, Guid UserId, string EmailAddress, string Status, string? StatusReason, PreferencesView Preferences)
{
    public static InternalAccountView Of(ConnectedAccount account) =>
        new(account.Id, account.UserId, account.EmailAddress, account.Status.ToString(), account.StatusReason, PreferencesView.Of(account.Preferences));
}

/// <summary>All preferences of an account.</summary>
public sealed record PreferencesView(
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
    DateTimeOffset UpdatedAt)
{
    public static PreferencesView Of(AccountPreferencesEntity p) => new(
        p.SyncWindowDays,
        p.SyncBatchSize,
        p.PollingIntervalSeconds,
        p.AdaptivePolling,
        p.LabelCategories,
        p.DraftCategories,
        p.DraftRepliesEnabled,
        p.AiProvider,
        p.AiModel,
        p.Tone,
        p.ReplyLanguage,
        p.Signature,
        p.ReplyMode,
        p.DailyAiSpendCapUsd,
        p.Paused,
        p.Revision,
        p.UpdatedAt);
}

/// <summary>The result of a disconnect.</summary>
public sealed record DisconnectResult(AccountView Account, bool RevokedAtGoogle);
