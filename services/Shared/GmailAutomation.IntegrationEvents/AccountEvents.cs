namespace GmailAutomation.IntegrationEvents;

/// <summary>A Gmail account was connected (OAuth consent granted and tokens stored); its sync can start.</summary>
public sealed record AccountConnected : IntegrationEvent, IAccountEvent
{
    public required Guid AccountId { get; init; }

    public required string EmailAddress { get; init; }

    /// <summary>OAuth scopes the user granted.</summary>
    public IReadOnlyList<string> GrantedScopes { get; init; } = [];

    /// <summary>True when the account was connected before and has been connected again.</summary>
    public bool IsReconnect { get; init; }

    /// <summary>The product user who owns the account (null from publishers that predate the field).</summary>
    public Guid? UserId { get; init; }
}

/// <summary>An account was disconnected: its sync stops and no further drafts are written for it.</summary>
public sealed record AccountDisconnected : IntegrationEvent, IAccountEvent
{
    public required Guid AccountId { get; init; }

    public string EmailAddress { get; init; } = string.Empty;

    /// <summary>Why: one of <see cref="AccountDisconnectReasons"/> (new reasons may appear; treat unknown ones as final).</summary>
    public required string Reason { get; init; }

    /// <summary>Human-readable detail, e.g. the OAuth error that revoked access.</summary>
    public string? Detail { get; init; }
}

/// <summary>Values of <see cref="AccountDisconnected.Reason"/>.</summary>
public static class AccountDisconnectReasons
{
    /// <summary>The user disconnected the account.</summary>
    public const string UserRequested = "user-requested";

    /// <summary>Google answered invalid_grant: the user revoked access or the refresh token expired.</summary>
    public const string TokenRevoked = "token-revoked";

    /// <summary>The user did not grant a scope the product needs.</summary>
    public const string ScopeMissing = "scope-missing";

    /// <summary>The account was deleted from the product.</summary>
    public const string AccountDeleted = "account-deleted";
}

/// <summary>The user changed the preferences of an account; the snapshot is complete, so consumers need not call back.</summary>
public sealed record PreferencesChanged : IntegrationEvent, IAccountEvent
{
    public required Guid AccountId { get; init; }

    /// <summary>Increases with every change, so a consumer can drop a snapshot older than the one it has.</summary>
    public long Revision { get; init; }

    public required AccountPreferences Preferences { get; init; }
}

/// <summary>What the user chose for an account.</summary>
public sealed record AccountPreferences
{
    /// <summary>Whether AI reply drafts are written at all.</summary>
    public bool DraftRepliesEnabled { get; init; } = true;

    /// <summary>Categories whose messages get a reply draft (when they need a reply).</summary>
    public IReadOnlyList<string> ReplyCategories { get; init; } = [];

    /// <summary>Tone of replies, e.g. <c>friendly</c>, <c>formal</c>, <c>concise</c>.</summary>
    public string Tone { get; init; } = "friendly";

    /// <summary>Reply language as a BCP 47 tag, or <c>auto</c> to answer in the sender's language.</summary>
    public string Language { get; init; } = "auto";

    /// <summary>Signature appended to replies.</summary>
    public string? Signature { get; init; }

    /// <summary>Whether the category label is applied in Gmail.</summary>
    public bool ApplyLabels { get; init; } = true;

    /// <summary>How many days of mail the initial sync reads.</summary>
    public int InitialSyncDays { get; init; } = 30;

    /// <summary>Categories whose label is applied in Gmail; <c>*</c> means every category.</summary>
    public IReadOnlyList<string> LabelCategories { get; init; } = ["*"];

    /// <summary>
    /// The AI provider that writes replies: <c>default</c> (the system's configured default), <c>template</c>
    /// (offline), <c>openai</c>, <c>gemini</c>, <c>ollama</c>, <c>openai-compatible</c>.
    /// </summary>
    public string AiProvider { get; init; } = "default";

    /// <summary>The provider's model, or null for the provider's configured default.</summary>
    public string? AiModel { get; init; }

    /// <summary><c>reply</c> (the sender only) or <c>reply-all</c> (never including the user's own address).</summary>
    public string ReplyMode { get; init; } = "reply";

    /// <summary>Daily AI spend cap in US dollars; once reached, replies come from the offline provider.</summary>
    public decimal DailyAiSpendCapUsd { get; init; } = 5m;

    /// <summary>The user paused automation: no labels and no drafts until resumed (sync keeps the mailbox current).</summary>
    public bool Paused { get; init; }

    /// <summary>Messages fetched per sync page.</summary>
    public int SyncBatchSize { get; init; } = 100;

    /// <summary>Seconds between polls when push is not available.</summary>
    public int PollingIntervalSeconds { get; init; } = 300;

    /// <summary>Whether polling speeds up when mail arrives and slows down when the mailbox is quiet.</summary>
    public bool AdaptivePolling { get; init; } = true;
}
