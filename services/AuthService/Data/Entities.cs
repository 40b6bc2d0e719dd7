namespace GmailAutomation.AuthService.Data;

/// <summary>A person who signed in with Google.</summary>
public sealed class User
{
    public Guid Id { get; set; }

    /// <summary>Google's stable subject id (<c>sub</c>); the address can change, this cannot.</summary>
    public required string GoogleSubject { get; set; }

    public required string Email { get; set; }

    public string? DisplayName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastSignInAt { get; set; }

    public List<ConnectedAccount> Accounts { get; set; } = [];
}

/// <summary>Where an account stands.</summary>
public enum AccountStatus
{
    /// <summary>Tokens are stored and work.</summary>
    Connected,

    /// <summary>Google refused the refresh token (revoked or expired): the user must connect again.</summary>
    ReconnectRequired,

    /// <summary>The user disconnected it; tokens were revoked and deleted.</summary>
    Disconnected,
}

/// <summary>A Gmail mailbox a user connected. One row per address for life; reconnecting updates it.</summary>
public sealed class ConnectedAccount
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public User? User { get; set; }

    /// <summary>The Gmail address, lower case. Unique: a mailbox belongs to one user of the product.</summary>
    public required string EmailAddress { get; set; }

    public required string GoogleSubject { get; set; }

    public AccountStatus Status { get; set; }

    /// <summary>Why the account is not connected (an <c>AccountDisconnectReasons</c> value), null while connected.</summary>
    public string? StatusReason { get; set; }

    /// <summary>Space-separated OAuth scopes of the current grant.</summary>
    public string GrantedScopes { get; set; } = string.Empty;

    public DateTimeOffset ConnectedAt { get; set; }

    public DateTimeOffset? LastRefreshAt { get; set; }

    public DateTimeOffset? DisconnectedAt { get; set; }

    public AccountPreferencesEntity Preferences { get; set; } = new();
}

/// <summary>A user's choices for one account. Defaults are what a freshly connected account gets.</summary>
public sealed class AccountPreferencesEntity
{
    public Guid AccountId { get; set; }

    public int SyncWindowDays { get; set; } = PreferenceRules.DefaultSyncWindowDays;

    public int SyncBatchSize { get; set; } = PreferenceRules.DefaultSyncBatchSize;

    public int PollingIntervalSeconds { get; set; } = PreferenceRules.DefaultPollingIntervalSeconds;

    public bool AdaptivePolling { get; set; } = true;

    /// <summary>Categories whose messages get their Gmail label; <c>*</c> means every category.</summary>
    public List<string> LabelCategories { get; set; } = [PreferenceRules.AllCategories];

    /// <summary>Categories whose messages get a reply draft when they need a reply; <c>*</c> means every category.</summary>
    public List<string> DraftCategories { get; set; } = [PreferenceRules.AllCategories];

    /// <summary>Whether reply drafts are written at all (the categories below choose which).</summary>
    public bool DraftRepliesEnabled { get; set; } = true;

    public string AiProvider { get; set; } = PreferenceRules.DefaultAiProvider;

    /// <summary>Model name; null means the provider's default.</summary>
    public string? AiModel { get; set; }

    public string Tone { get; set; } = PreferenceRules.DefaultTone;

    /// <summary>BCP 47 tag, or <c>auto</c> to answer in the incoming mail's language.</summary>
    public string ReplyLanguage { get; set; } = PreferenceRules.AutoLanguage;

    public string? Signature { get; set; }

    /// <summary><c>reply</c> (sender only) or <c>reply-all</c>.</summary>
    public string ReplyMode { get; set; } = PreferenceRules.ReplyToSender;

    public decimal DailyAiSpendCapUsd { get; set; } = PreferenceRules.DefaultDailyAiSpendCapUsd;

    /// <summary>Stops all automation for the account (sync keeps its place).</summary>
    public bool Paused { get; set; }

    /// <summary>Increases with every change; carried by <c>PreferencesChanged</c>.</summary>
    public long Revision { get; set; } = 1;

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>An integration event saved in the same transaction as the change it announces, published afterwards.</summary>
public sealed class OutboxMessage
{
    /// <summary>The event's own id.</summary>
    public Guid Id { get; set; }

    /// <summary>The event's CLR type name (<c>AccountConnected</c>).</summary>
    public required string EventType { get; set; }

    /// <summary>The event as JSON.</summary>
    public required string Payload { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
