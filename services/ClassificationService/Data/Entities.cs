namespace GmailAutomation.ClassificationService.Data;

/// <summary>
/// A user's classification settings: which built-in heuristics are off, the label parent and the categories
/// whose label is not applied. <see cref="Revision"/> grows with every change to the settings or the user's rules,
/// so replicas know when their compiled rule set is stale.
/// </summary>
public sealed class UserSettings
{
    public Guid UserId { get; set; }

    public List<string> DisabledBuiltIns { get; set; } = [];

    /// <summary>Parent of the category labels; null uses the service default (<c>Classification:LabelParent</c>).</summary>
    public string? LabelParent { get; set; }

    /// <summary>Categories whose Gmail label is not applied (the message is still classified and recorded).</summary>
    public List<string> DisabledLabelCategories { get; set; } = [];

    public long Revision { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One of a user's rules: its definition as JSON (<c>Rules/RuleDefinition</c>) and its place in the order.</summary>
public sealed class UserRule
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>0-based place; rules run in ascending order.</summary>
    public int Position { get; set; }

    /// <summary>The <c>RuleDefinition</c> as JSON (jsonb).</summary>
    public string Definition { get; set; } = "{}";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A category a user added to the built-in ones.</summary>
public sealed class UserCategory
{
    public Guid UserId { get; set; }

    public string Name { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An account this service has seen, with its owner (from the auth-service; neither ever changes).</summary>
public sealed class KnownAccount
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public string EmailAddress { get; set; } = string.Empty;

    public DateTimeOffset FirstSeenAt { get; set; }
}

/// <summary>
/// A message this service has classified and labelled (key: account + Gmail message id). Its existence makes a
/// redelivered <c>EmailReceived</c> a no-op. It keeps the rule-relevant features (addresses, subject, list and
/// automation headers, attachment names — never the body) so that a dry-run can run rules over it again.
/// </summary>
public sealed class ProcessedMessage
{
    public Guid AccountId { get; set; }

    public string GmailMessageId { get; set; } = string.Empty;

    public Guid UserId { get; set; }

    public string ThreadId { get; set; } = string.Empty;

    public Guid EventId { get; set; }

    public DateTimeOffset InternalDate { get; set; }

    /// <summary><c>StoredFeatures</c> as JSON (jsonb).</summary>
    public string Features { get; set; } = "{}";

    /// <summary>The current category (a correction changes it).</summary>
    public string Category { get; set; } = string.Empty;

    public DateTimeOffset ProcessedAt { get; set; }
}

/// <summary>One classification of a message (by the pipeline or a correction), with the labels it applied: the audit record.</summary>
public sealed class ClassificationRecord
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public string GmailMessageId { get; set; } = string.Empty;

    /// <summary>One of <see cref="ClassificationSources"/>.</summary>
    public string Source { get; set; } = ClassificationSources.Event;

    public string Category { get; set; } = string.Empty;

    public double Confidence { get; set; }

    public bool NeedsReply { get; set; }

    public string NeedsReplyReason { get; set; } = string.Empty;

    /// <summary>One of the classifier's decision kinds (<c>rule</c>, <c>builtin</c>, <c>model</c>, <c>none</c>, <c>correction</c>).</summary>
    public string DecidedBy { get; set; } = string.Empty;

    public string? RuleId { get; set; }

    public string? ModelVersion { get; set; }

    /// <summary>The model's best guess, also when it was below the threshold.</summary>
    public string? ModelCategory { get; set; }

    public double? ModelConfidence { get; set; }

    /// <summary>Gmail label names the classification asked for.</summary>
    public List<string> Labels { get; set; } = [];

    /// <summary>Gmail label ids added to the message by this classification (empty when they were already there).</summary>
    public List<string> LabelIdsApplied { get; set; } = [];

    /// <summary>Gmail label ids removed (a correction takes the old category label off).</summary>
    public List<string> LabelIdsRemoved { get; set; } = [];

    /// <summary>Why the answer is what it is when something was off (regex timeout, malformed parts, low confidence).</summary>
    public List<string> Notes { get; set; } = [];

    public DateTimeOffset ClassifiedAt { get; set; }
}

public static class ClassificationSources
{
    /// <summary>The <c>EmailReceived</c> pipeline.</summary>
    public const string Event = "event";

    /// <summary>A user correction through the API.</summary>
    public const string Correction = "correction";
}

/// <summary>A user's correction of a message's category; counted toward retraining the account's model.</summary>
public sealed class Correction
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public Guid UserId { get; set; }

    public string GmailMessageId { get; set; } = string.Empty;

    public string PreviousCategory { get; set; } = string.Empty;

    public string Category { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The account model that was trained with this correction (null until a retrain used it).</summary>
    public string? TrainedInModelVersion { get; set; }
}

/// <summary>A Gmail label this service uses in an account: name → id (category labels and labels added by rules).</summary>
public sealed class AccountLabel
{
    public Guid AccountId { get; set; }

    public string Name { get; set; } = string.Empty;

    public string LabelId { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A model trained for one account (from the user's own Gmail labels and corrections); the active one is used.</summary>
public sealed class AccountModel
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public string Version { get; set; } = string.Empty;

    /// <summary>The serialized ML.NET model.</summary>
    public byte[] ModelBytes { get; set; } = [];

    /// <summary>Training data, parameters and validation metrics as JSON (jsonb).</summary>
    public string Metadata { get; set; } = "{}";

    public bool Active { get; set; }

    public DateTimeOffset TrainedAt { get; set; }
}

/// <summary>An event saved with the classification that produced it, waiting to be published.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public Guid EventId { get; set; }

    public string EventType { get; set; } = string.Empty;

    public string Payload { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
