namespace GmailAutomation.ClassificationService.Rules;

/// <summary>
/// One user rule as stored and as the API shows it: a condition tree and the actions taken when it matches.
/// Rules run in order; the first rule that sets a category decides it, labels accumulate, and
/// <see cref="RuleActionTypes.Stop"/> ends the evaluation.
/// </summary>
public sealed record RuleDefinition
{
    /// <summary>Stable id (a GUID for user rules, <c>builtin:…</c> for built-in heuristics).</summary>
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public bool Enabled { get; init; } = true;

    public RuleCondition Condition { get; init; } = new();

    public IReadOnlyList<RuleAction> Actions { get; init; } = [];
}

/// <summary>
/// A node of a rule's condition: <c>all</c>/<c>any</c> over <see cref="Conditions"/>, <c>not</c> of its single
/// child, a <c>field</c> test (<see cref="Field"/> <see cref="Operator"/> <see cref="Value"/>), or one of the
/// structural tests <c>hasAttachment</c> / <c>hasCalendarPart</c>.
/// </summary>
public sealed record RuleCondition
{
    /// <summary>One of <see cref="RuleConditionTypes"/>.</summary>
    public string Type { get; init; } = RuleConditionTypes.Field;

    /// <summary>For <c>field</c>: one of <see cref="RuleFields"/>.</summary>
    public string? Field { get; init; }

    /// <summary>For the <c>header</c> field: the header's name (any header, e.g. <c>X-Mailer</c>).</summary>
    public string? Header { get; init; }

    /// <summary>For <c>field</c>: one of <see cref="RuleOperators"/>.</summary>
    public string? Operator { get; init; }

    /// <summary>Text to compare with, or the regular expression (.NET syntax).</summary>
    public string? Value { get; init; }

    /// <summary>Comparisons ignore case unless this is set.</summary>
    public bool CaseSensitive { get; init; }

    /// <summary>Children of <c>all</c>, <c>any</c> and <c>not</c> (exactly one for <c>not</c>).</summary>
    public IReadOnlyList<RuleCondition>? Conditions { get; init; }

    public static RuleCondition All(params RuleCondition[] conditions) => new() { Type = RuleConditionTypes.All, Conditions = conditions };

    public static RuleCondition Any(params RuleCondition[] conditions) => new() { Type = RuleConditionTypes.Any, Conditions = conditions };

    public static RuleCondition Not(RuleCondition condition) => new() { Type = RuleConditionTypes.Not, Conditions = [condition] };

    public static RuleCondition Test(string field, string @operator, string? value = null, string? header = null) =>
        new() { Type = RuleConditionTypes.Field, Field = field, Operator = @operator, Value = value, Header = header };

    public static RuleCondition HasAttachment { get; } = new() { Type = RuleConditionTypes.HasAttachment };

    public static RuleCondition HasCalendarPart { get; } = new() { Type = RuleConditionTypes.HasCalendarPart };
}

/// <summary>What a matching rule does.</summary>
public sealed record RuleAction
{
    /// <summary>One of <see cref="RuleActionTypes"/>.</summary>
    public string Type { get; init; } = RuleActionTypes.SetCategory;

    /// <summary>The category for <c>setCategory</c>, the label name for <c>addLabel</c>.</summary>
    public string? Value { get; init; }

    public static RuleAction SetCategory(string category) => new() { Type = RuleActionTypes.SetCategory, Value = category };

    public static RuleAction AddLabel(string label) => new() { Type = RuleActionTypes.AddLabel, Value = label };

    public static RuleAction SetNeedsReply { get; } = new() { Type = RuleActionTypes.SetNeedsReply };

    public static RuleAction ClearNeedsReply { get; } = new() { Type = RuleActionTypes.ClearNeedsReply };

    public static RuleAction Stop { get; } = new() { Type = RuleActionTypes.Stop };
}

public static class RuleConditionTypes
{
    public const string All = "all";
    public const string Any = "any";
    public const string Not = "not";
    public const string Field = "field";
    public const string HasAttachment = "hasAttachment";
    public const string HasCalendarPart = "hasCalendarPart";

    public static IReadOnlyList<string> Values { get; } = [All, Any, Not, Field, HasAttachment, HasCalendarPart];
}

public static class RuleFields
{
    /// <summary>The sender's address and display name.</summary>
    public const string From = "from";
    public const string To = "to";
    public const string Cc = "cc";

    /// <summary>To and Cc together.</summary>
    public const string Recipients = "recipients";
    public const string Subject = "subject";
    public const string Body = "body";

    /// <summary>Any header, named by <see cref="RuleCondition.Header"/>.</summary>
    public const string Header = "header";
    public const string ListId = "listId";
    public const string ListUnsubscribe = "listUnsubscribe";
    public const string AutoSubmitted = "autoSubmitted";
    public const string Precedence = "precedence";

    /// <summary>File names of the attachments.</summary>
    public const string AttachmentName = "attachmentName";

    public static IReadOnlyList<string> Values { get; } =
        [From, To, Cc, Recipients, Subject, Body, Header, ListId, ListUnsubscribe, AutoSubmitted, Precedence, AttachmentName];
}

public static class RuleOperators
{
    public const string Contains = "contains";
    public const string Equal = "equals";
    public const string StartsWith = "startsWith";
    public const string EndsWith = "endsWith";
    public const string Regex = "regex";

    /// <summary>The field has a non-empty value (for addresses: at least one address).</summary>
    public const string Exists = "exists";

    public static IReadOnlyList<string> Values { get; } = [Contains, Equal, StartsWith, EndsWith, Regex, Exists];
}

public static class RuleActionTypes
{
    public const string SetCategory = "setCategory";
    public const string SetNeedsReply = "setNeedsReply";
    public const string ClearNeedsReply = "clearNeedsReply";
    public const string AddLabel = "addLabel";
    public const string Stop = "stop";

    public static IReadOnlyList<string> Values { get; } = [SetCategory, SetNeedsReply, ClearNeedsReply, AddLabel, Stop];
}
