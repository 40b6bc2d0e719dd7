namespace GmailAutomation.IntegrationEvents;

/// <summary>
/// A message was read from Gmail (initial or incremental sync). It carries everything classification and
/// reply writing need, so no consumer has to fetch the message again: the headers that matter, the labels,
/// the plain-text body (cut at a size limit, see <see cref="BodyTruncated"/>) and the attachment list.
/// </summary>
public sealed record EmailReceived : IntegrationEvent, IMessageEvent
{
    public required Guid AccountId { get; init; }

    /// <summary>Gmail's message id (<c>users.messages</c> id).</summary>
    public required string GmailMessageId { get; init; }

    public required string ThreadId { get; init; }

    /// <summary>Gmail history id of the message.</summary>
    public ulong HistoryId { get; init; }

    /// <summary>Gmail's internal date: when Gmail received the message.</summary>
    public DateTimeOffset InternalDate { get; init; }

    /// <summary>How the message was found: one of <see cref="EmailSyncSources"/>.</summary>
    public string Source { get; init; } = EmailSyncSources.Incremental;

    public MailAddress? From { get; init; }

    public IReadOnlyList<MailAddress> To { get; init; } = [];

    public IReadOnlyList<MailAddress> Cc { get; init; } = [];

    public IReadOnlyList<MailAddress> ReplyTo { get; init; } = [];

    public string Subject { get; init; } = string.Empty;

    /// <summary>The RFC 5322 <c>Message-ID</c> header (with angle brackets), needed to thread a reply.</summary>
    public string? MessageIdHeader { get; init; }

    /// <summary>The <c>References</c> header, one message id per entry.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    public string? InReplyTo { get; init; }

    public string? ListUnsubscribe { get; init; }

    public string? ListId { get; init; }

    /// <summary>The <c>Auto-Submitted</c> header (RFC 3834); anything but <c>no</c> means a machine sent it.</summary>
    public string? AutoSubmitted { get; init; }

    /// <summary>The <c>Precedence</c> header (<c>bulk</c>, <c>list</c>, <c>junk</c>).</summary>
    public string? Precedence { get; init; }

    public IReadOnlyList<string> LabelIds { get; init; } = [];

    public string Snippet { get; init; } = string.Empty;

    /// <summary>The plain-text body (from text/plain, or text derived from text/html).</summary>
    public string BodyText { get; init; } = string.Empty;

    /// <summary>True when <see cref="BodyText"/> was cut at the size limit.</summary>
    public bool BodyTruncated { get; init; }

    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    /// <summary>Parts of the message that could not be read as they claimed to be: values of <see cref="MalformedPartKinds"/>.</summary>
    public IReadOnlyList<string> MalformedParts { get; init; } = [];
}

/// <summary>An email address with its display name.</summary>
public sealed record MailAddress(string Address, string? Name = null);

/// <summary>An attachment as listed in the message (its content stays in Gmail).</summary>
public sealed record EmailAttachment(string FileName, long SizeBytes, string MimeType);

/// <summary>Values of <see cref="EmailReceived.Source"/>.</summary>
public static class EmailSyncSources
{
    public const string Initial = "initial";
    public const string Incremental = "incremental";
}

/// <summary>Values of <see cref="EmailReceived.MalformedParts"/>.</summary>
public static class MalformedPartKinds
{
    /// <summary>A header that could not be decoded (bad encoded-word, invalid address list).</summary>
    public const string Header = "header";

    /// <summary>A broken MIME structure (missing boundary, truncated multipart).</summary>
    public const string MimeStructure = "mime-structure";

    /// <summary>A body whose transfer encoding or charset was wrong; the text was decoded as well as possible.</summary>
    public const string BodyEncoding = "body-encoding";

    /// <summary>An attachment without a usable name, type or size.</summary>
    public const string Attachment = "attachment";
}

/// <summary>A sync pass of an account finished.</summary>
public sealed record SyncCompleted : IntegrationEvent, IAccountEvent
{
    public required Guid AccountId { get; init; }

    /// <summary>One of <see cref="EmailSyncSources"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The history id the account is now synced to.</summary>
    public ulong HistoryId { get; init; }

    /// <summary>Messages published as <see cref="EmailReceived"/> in this pass.</summary>
    public int MessagesSynced { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset CompletedAt { get; init; }
}

/// <summary>A message was classified and its category label applied in Gmail.</summary>
public sealed record EmailClassified : IntegrationEvent, IMessageEvent
{
    public required Guid AccountId { get; init; }

    public required string GmailMessageId { get; init; }

    public required string ThreadId { get; init; }

    /// <summary>The category, e.g. <c>Newsletter</c>, <c>Personal</c>, <c>Work</c>.</summary>
    public required string Category { get; init; }

    /// <summary>0..1; a rule decides with confidence 1.</summary>
    public double Confidence { get; init; }

    public bool NeedsReply { get; init; }

    /// <summary>Why a reply is (not) needed, for the audit log and the user.</summary>
    public string? NeedsReplyReason { get; init; }

    public required ClassificationDecision DecidedBy { get; init; }

    /// <summary>Gmail label ids applied to the message.</summary>
    public IReadOnlyList<string> LabelsApplied { get; init; } = [];
}

/// <summary>What decided a classification: a user or built-in rule, or a model.</summary>
public sealed record ClassificationDecision
{
    /// <summary><c>rule</c> or <c>model</c>.</summary>
    public required string Kind { get; init; }

    public string? RuleId { get; init; }

    public string? ModelVersion { get; init; }

    public static ClassificationDecision Rule(string ruleId) => new() { Kind = "rule", RuleId = ruleId };

    public static ClassificationDecision Model(string modelVersion) => new() { Kind = "model", ModelVersion = modelVersion };
}

/// <summary>An AI reply was written for a message that needs one.</summary>
public sealed record ReplyGenerated : IntegrationEvent, IMessageEvent
{
    public required Guid AccountId { get; init; }

    public required string GmailMessageId { get; init; }

    public required string ThreadId { get; init; }

    /// <summary>The reply text (plain text, signature included).</summary>
    public required string ReplyText { get; init; }

    /// <summary>The provider that wrote it: <c>openai</c>, <c>gemini</c>, <c>ollama</c>, <c>template</c>…</summary>
    public required string Provider { get; init; }

    public string Model { get; init; } = string.Empty;

    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }

    /// <summary>Estimated cost in US dollars (0 for local providers).</summary>
    public decimal CostUsd { get; init; }
}

/// <summary>A reply draft was saved in the message's Gmail thread.</summary>
public sealed record DraftCreated : IntegrationEvent, IMessageEvent
{
    public required Guid AccountId { get; init; }

    /// <summary>The message the draft answers.</summary>
    public required string GmailMessageId { get; init; }

    public required string ThreadId { get; init; }

    public required string DraftId { get; init; }

    /// <summary>Gmail's id of the draft's own message.</summary>
    public required string DraftMessageId { get; init; }
}
