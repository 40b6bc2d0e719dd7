using System.Text.Json;

namespace GmailAutomation.IntegrationEvents;

/// <summary>
/// A user changed their classification set-up (classification-service API): a rule, the order of the rules, a
/// built-in heuristic's switch, a category of their own or the label settings. Rules belong to the user and apply
/// to all of the user's accounts, so the event names the user, not an account. It is written in the same
/// transaction as the change, so there is no change without its event.
/// </summary>
public sealed record ClassificationRulesChanged : IntegrationEvent
{
    /// <summary>The product user whose set-up changed (the one who changed it).</summary>
    public required Guid UserId { get; init; }

    /// <summary>What changed: one of <see cref="ClassificationChangeActions"/> (new values may appear).</summary>
    public required string Action { get; init; }

    /// <summary>The rule concerned: a user rule's id, or a built-in's (<c>builtin:…</c>); null when no single rule is.</summary>
    public string? RuleId { get; init; }

    /// <summary>The user's settings revision after the change (0 for changes that do not raise it, e.g. categories).</summary>
    public long Revision { get; init; }

    /// <summary>
    /// The part of the set-up the change touched, before it (null for something new); a small snapshot whose shape
    /// depends on <see cref="Action"/>: a rule's id, name, switch, position, condition and actions; the order of the rules
    /// (id and name); a built-in's id, name and switch; a category's name; the label settings. Never message content.
    /// </summary>
    public JsonElement? Before { get; init; }

    /// <summary>The same part after the change (null for something deleted).</summary>
    public JsonElement? After { get; init; }
}

/// <summary>Values of <see cref="ClassificationRulesChanged.Action"/>; they are also the audit log's action names.</summary>
public static class ClassificationChangeActions
{
    public const string RuleCreated = "rule.created";
    public const string RuleUpdated = "rule.updated";
    public const string RuleDeleted = "rule.deleted";
    public const string RulesReordered = "rules.reordered";
    public const string BuiltInSwitched = "builtin.switched";
    public const string CategoryAdded = "category.added";
    public const string CategoryDeleted = "category.deleted";
    public const string SettingsChanged = "settings.changed";

    public static IReadOnlyList<string> All { get; } =
        [RuleCreated, RuleUpdated, RuleDeleted, RulesReordered, BuiltInSwitched, CategoryAdded, CategoryDeleted, SettingsChanged];
}

/// <summary>
/// The user corrected the category of a classified message (classification-service API); the correction is
/// stored for retraining and, when asked, the Gmail label was moved (<see cref="LabelIdsAdded"/>/<see cref="LabelIdsRemoved"/>).
/// </summary>
public sealed record ClassificationCorrected : IntegrationEvent, IMessageEvent
{
    public required Guid AccountId { get; init; }

    /// <summary>The owner of the account, who made the correction.</summary>
    public required Guid UserId { get; init; }

    public required string GmailMessageId { get; init; }

    public string? ThreadId { get; init; }

    /// <summary>The category the message had before.</summary>
    public required string PreviousCategory { get; init; }

    /// <summary>The category the user set.</summary>
    public required string Category { get; init; }

    public IReadOnlyList<string> LabelIdsAdded { get; init; } = [];

    public IReadOnlyList<string> LabelIdsRemoved { get; init; } = [];
}
