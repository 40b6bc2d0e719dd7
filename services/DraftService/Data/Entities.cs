namespace GmailAutomation.DraftService.Data;

/// <summary>A connected account as the draft-service needs it: its address (the user's own, never a recipient), owner and reply preferences.</summary>
public sealed class DraftAccount
{
    public Guid Id { get; set; }

    /// <summary>The Gmail address, lowercased; it is the Gmail client's account key and is left out of every reply's recipients.</summary>
    public string EmailAddress { get; set; } = string.Empty;

    /// <summary>The owner, when the auth-service told us (API scoping).</summary>
    public Guid? UserId { get; set; }

    /// <summary>False once the account was disconnected: no drafts are written.</summary>
    public bool Connected { get; set; } = true;

    /// <summary><see cref="ReplyModes.Reply"/> or <see cref="ReplyModes.ReplyAll"/>.</summary>
    public string ReplyMode { get; set; } = ReplyModes.Reply;

    public bool DraftRepliesEnabled { get; set; } = true;

    public bool Paused { get; set; }

    /// <summary>The <c>PreferencesChanged</c> revision the preference columns come from; older snapshots are dropped.</summary>
    public long PreferencesRevision { get; set; } = -1;

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Values of <see cref="DraftAccount.ReplyMode"/>.</summary>
public static class ReplyModes
{
    public const string Reply = "reply";
    public const string ReplyAll = "reply-all";
}

/// <summary>Where the reply draft of one message stands.</summary>
public enum DraftStatus
{
    /// <summary>Being written: the Gmail call may or may not have happened (a crash leaves it here; the retry looks in Gmail first).</summary>
    Pending,

    /// <summary>The draft exists in the message's thread.</summary>
    Created,

    /// <summary>No draft, for <see cref="DraftRecord.SkipReason"/>.</summary>
    Skipped,

    /// <summary>The draft is gone from Gmail (the user deleted or sent it); it is never written again.</summary>
    DeletedByUser,

    /// <summary>The draft's text was regenerated and its message replaced with drafts.update.</summary>
    Replaced,
}

/// <summary>Values of <see cref="DraftRecord.SkipReason"/>.</summary>
public static class SkipReasons
{
    public const string UserReplied = "user-replied";
    public const string OriginalMissing = "original-missing";
    public const string AccountDisconnected = "account-disconnected";
    public const string Paused = "paused";
    public const string DraftsDisabled = "drafts-disabled";
    public const string NoRecipient = "no-recipient";
}

/// <summary>
/// The one reply draft of one message (unique on account + Gmail message id): the key of exactly-once. A row exists
/// from before the Gmail call (<see cref="DraftStatus.Pending"/>) so that a redelivery after a crash knows it must
/// look for the draft in Gmail before writing one.
/// </summary>
public sealed class DraftRecord
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public string GmailMessageId { get; set; } = string.Empty;

    public string ThreadId { get; set; } = string.Empty;

    public DraftStatus Status { get; set; }

    public string? SkipReason { get; set; }

    public string? GmailDraftId { get; set; }

    /// <summary>Gmail's id of the draft's current message (it changes with drafts.update).</summary>
    public string? GmailDraftMessageId { get; set; }

    /// <summary>The <c>Message-ID</c> header of the draft's current message.</summary>
    public string? RfcMessageId { get; set; }

    /// <summary>The <c>ReplyGenerated</c> event whose text the draft carries (a redelivery of it is a no-op).</summary>
    public Guid ReplyEventId { get; set; }

    public string Provider { get; set; } = string.Empty;

    public string Model { get; set; } = string.Empty;

    public int PromptTokens { get; set; }

    public int CompletionTokens { get; set; }

    /// <summary>What all the texts of this draft cost, regenerations included.</summary>
    public decimal CostUsd { get; set; }

    /// <summary>How often the text was regenerated.</summary>
    public int Regenerations { get; set; }

    /// <summary>Set while a regeneration is asked for and its new text has not arrived.</summary>
    public Guid? RegenerationRequestId { get; set; }

    public DateTimeOffset? RegenerationRequestedAt { get; set; }

    /// <summary>A delivery working on this row holds it until then; another delivery waits (retries) meanwhile.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }

    /// <summary>When the reply text was written (the <c>ReplyGenerated</c> event's time): the start of the latency measure.</summary>
    public DateTimeOffset ReplyGeneratedAt { get; set; }

    /// <summary>When the row left <see cref="DraftStatus.Pending"/> (draft written, found or skipped).</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One status change of a draft, append-only: the audit trail of what the service did in the user's mailbox.</summary>
public sealed class DraftAuditEntry
{
    public long Id { get; set; }

    public Guid DraftRecordId { get; set; }

    public Guid AccountId { get; set; }

    public string GmailMessageId { get; set; } = string.Empty;

    public DraftStatus? FromStatus { get; set; }

    public DraftStatus ToStatus { get; set; }

    /// <summary>A reason or a short note (no message content).</summary>
    public string? Detail { get; set; }

    public string? CorrelationId { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>An event saved with the change that produced it, waiting to be published.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public Guid EventId { get; set; }

    public string EventType { get; set; } = string.Empty;

    public string Payload { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
