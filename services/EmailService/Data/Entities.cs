namespace GmailAutomation.EmailService.Data;

/// <summary>Where an account's sync stands.</summary>
public enum SyncPhase
{
    /// <summary>Connected; the initial sync has not started yet.</summary>
    Pending,

    /// <summary>Reading the window for the first time.</summary>
    Initial,

    /// <summary>Reading the window again (history expired or a re-sync was asked for), skipping what was processed.</summary>
    Resync,

    /// <summary>Following the mailbox through history.list.</summary>
    Incremental,
}

/// <summary>
/// A connected account and its sync checkpoint. Preference and status columns are written by the account event
/// handlers; checkpoint columns only by the replica holding the account's lease (fenced by <see cref="LeaseFence"/>).
/// </summary>
public sealed class SyncAccount
{
    public Guid Id { get; set; }

    public string EmailAddress { get; set; } = string.Empty;

    /// <summary>The owner, when the auth-service told us (status API scoping).</summary>
    public Guid? UserId { get; set; }

    /// <summary>False once the account was disconnected: no sync.</summary>
    public bool Connected { get; set; } = true;

    public bool Paused { get; set; }

    /// <summary>The auth-service needs the user again (token revoked): no sync until reconnected.</summary>
    public bool ReconnectRequired { get; set; }

    public int WindowDays { get; set; } = 30;

    public int BatchSize { get; set; } = 100;

    /// <summary>The user's polling interval; null uses the service default.</summary>
    public int? PollingIntervalSeconds { get; set; }

    public bool AdaptivePolling { get; set; } = true;

    public long PreferencesRevision { get; set; }

    // ---- checkpoint ----

    public SyncPhase Phase { get; set; }

    /// <summary>messages.list page token of the window pass in progress.</summary>
    public string? PageToken { get; set; }

    /// <summary>Oldest internal date of the window pass in progress (fixed at its start so page tokens stay valid).</summary>
    public DateTimeOffset? WindowStart { get; set; }

    /// <summary>The mailbox history id when the window pass began; becomes the cursor when the pass ends.</summary>
    public long? PassHistoryId { get; set; }

    /// <summary>The history cursor: every message up to it has been handed on.</summary>
    public long? HistoryId { get; set; }

    /// <summary>Messages handed on in the current (or last) pass.</summary>
    public int Done { get; set; }

    /// <summary>Gmail's estimate of the window's size.</summary>
    public int Estimated { get; set; }

    /// <summary>Messages of the current pass skipped because they were processed before.</summary>
    public int Skipped { get; set; }

    public DateTimeOffset? PassStartedAt { get; set; }

    public DateTimeOffset? InitialCompletedAt { get; set; }

    public int ResyncCount { get; set; }

    public DateTimeOffset? LastResyncAt { get; set; }

    public string? LastResyncReason { get; set; }

    /// <summary>A user asked for a re-sync; the lease holder starts it.</summary>
    public bool ResyncRequested { get; set; }

    public DateTimeOffset? LastSyncAt { get; set; }

    public DateTimeOffset? WatchExpiresAt { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset? LastErrorAt { get; set; }

    /// <summary>Highest lease fencing token that wrote a checkpoint; a replica with an older token is refused.</summary>
    public long LeaseFence { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public bool ShouldSync => Connected && !Paused && !ReconnectRequired;
}

/// <summary>A message already handed on for an account; re-syncs skip it.</summary>
public sealed class ProcessedMessage
{
    public Guid AccountId { get; set; }

    public string MessageId { get; set; } = string.Empty;

    public long HistoryId { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}

/// <summary>An event saved with the checkpoint that produced it, waiting to be published.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public Guid EventId { get; set; }

    /// <summary>The account the event is about; the publisher hands accounts out in turn by it.</summary>
    public Guid? AccountId { get; set; }

    public string EventType { get; set; } = string.Empty;

    public string Payload { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
