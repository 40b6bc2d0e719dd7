using System.Text.RegularExpressions;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Rules;

/// <summary>A problem met while running a rule (a regex that timed out); the rule then counts as not matched.</summary>
public sealed record RuleIssue(string RuleId, string Reason);

/// <summary>State of one rule evaluation over one message.</summary>
public sealed class EvaluationContext(MessageFeatures message)
{
    public MessageFeatures Message { get; } = message;

    public string CurrentRuleId { get; set; } = string.Empty;

    public List<RuleIssue>? Issues { get; private set; }

    public void Report(string reason) => (Issues ??= []).Add(new RuleIssue(CurrentRuleId, reason));
}

/// <summary>A compiled condition node.</summary>
public abstract class Predicate
{
    public abstract bool Matches(EvaluationContext context);
}

internal sealed class AllPredicate(Predicate[] children) : Predicate
{
    public override bool Matches(EvaluationContext context)
    {
        foreach (var child in children)
        {
            if (!child.Matches(context))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class AnyPredicate(Predicate[] children) : Predicate
{
    public override bool Matches(EvaluationContext context)
    {
        foreach (var child in children)
        {
            if (child.Matches(context))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class NotPredicate(Predicate child) : Predicate
{
    public override bool Matches(EvaluationContext context) => !child.Matches(context);
}

internal sealed class DelegatePredicate(Func<MessageFeatures, bool> test) : Predicate
{
    public override bool Matches(EvaluationContext context) => test(context.Message);
}

/// <summary>A field test: the field yields zero or more values; the test matches when any value does.</summary>
internal sealed class FieldPredicate(Func<MessageFeatures, FieldValues> read, Func<string, EvaluationContext, bool>? test) : Predicate
{
    public override bool Matches(EvaluationContext context)
    {
        var values = read(context.Message);
        if (test is null)
        {
            return values.AnyNonEmpty();
        }

        return values.Any(test, context);
    }
}

/// <summary>The values of a field without allocating for the common single-value case.</summary>
internal readonly struct FieldValues
{
    private readonly string? _single;
    private readonly IReadOnlyList<Mailbox>? _addresses;
    private readonly IReadOnlyList<Mailbox>? _moreAddresses;
    private readonly IReadOnlyList<string>? _list;

    public FieldValues(string? single) => _single = single;

    public FieldValues(IReadOnlyList<Mailbox>? addresses, IReadOnlyList<Mailbox>? moreAddresses = null)
    {
        _addresses = addresses;
        _moreAddresses = moreAddresses;
    }

    public FieldValues(IReadOnlyList<string>? list) => _list = list;

    public bool AnyNonEmpty() =>
        !string.IsNullOrWhiteSpace(_single) || _addresses is { Count: > 0 } || _moreAddresses is { Count: > 0 }
        || (_list?.Any(v => !string.IsNullOrWhiteSpace(v)) ?? false);

    public bool Any(Func<string, EvaluationContext, bool> test, EvaluationContext context)
    {
        if (_single is not null && test(_single, context))
        {
            return true;
        }

        if (_list is not null)
        {
            foreach (var value in _list)
            {
                if (test(value, context))
                {
                    return true;
                }
            }
        }

        return AnyAddress(_addresses, test, context) || AnyAddress(_moreAddresses, test, context);
    }

    // An address matches on its address or on its display name.
    private static bool AnyAddress(IReadOnlyList<Mailbox>? addresses, Func<string, EvaluationContext, bool> test, EvaluationContext context)
    {
        if (addresses is null)
        {
            return false;
        }

        foreach (var address in addresses)
        {
            if (test(address.Address, context) || (address.Name is { } name && test(name, context)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Turns a validated <see cref="RuleCondition"/> into a <see cref="Predicate"/> tree.</summary>
public static class PredicateBuilder
{
    public static Predicate Build(RuleCondition condition, RegexCache regexes) => condition.Type switch
    {
        RuleConditionTypes.All => new AllPredicate([.. condition.Conditions!.Select(c => Build(c, regexes))]),
        RuleConditionTypes.Any => new AnyPredicate([.. condition.Conditions!.Select(c => Build(c, regexes))]),
        RuleConditionTypes.Not => new NotPredicate(Build(condition.Conditions![0], regexes)),
        RuleConditionTypes.HasAttachment => new DelegatePredicate(static m => m.HasAttachment),
        RuleConditionTypes.HasCalendarPart => new DelegatePredicate(static m => m.HasCalendarPart),
        _ => new FieldPredicate(Reader(condition), Test(condition, regexes)),
    };

    private static Func<MessageFeatures, FieldValues> Reader(RuleCondition condition)
    {
        var header = condition.Header;
        return condition.Field switch
        {
            RuleFields.From => static m => new FieldValues(m.From is null ? null : [m.From]),
            RuleFields.To => static m => new FieldValues(m.To),
            RuleFields.Cc => static m => new FieldValues(m.Cc),
            RuleFields.Recipients => static m => new FieldValues(m.To, m.Cc),
            RuleFields.Subject => static m => new FieldValues(m.Subject),
            RuleFields.Body => static m => new FieldValues(m.BodyText),
            RuleFields.ListId => static m => new FieldValues(m.ListId),
            RuleFields.ListUnsubscribe => static m => new FieldValues(m.ListUnsubscribe),
            RuleFields.AutoSubmitted => static m => new FieldValues(m.AutoSubmitted),
            RuleFields.Precedence => static m => new FieldValues(m.Precedence),
            RuleFields.AttachmentName => static m => new FieldValues(m.AttachmentNames),
            RuleFields.Header => m => new FieldValues(m.Headers.TryGetValue(header!, out var values) ? values : null),
            _ => throw new ArgumentOutOfRangeException(nameof(condition), condition.Field, "Unknown field."),
        };
    }

    private static Func<string, EvaluationContext, bool>? Test(RuleCondition condition, RegexCache regexes)
    {
        var value = condition.Value ?? string.Empty;
        var comparison = condition.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        switch (condition.Operator)
        {
            case RuleOperators.Exists:
                return null;
            case RuleOperators.Contains:
                return (text, _) => text.Contains(value, comparison);
            case RuleOperators.Equal:
                return (text, _) => string.Equals(text.Trim(), value, comparison);
            case RuleOperators.StartsWith:
                return (text, _) => text.TrimStart().StartsWith(value, comparison);
            case RuleOperators.EndsWith:
                return (text, _) => text.TrimEnd().EndsWith(value, comparison);
            case RuleOperators.Regex:
                var regex = regexes.Get(value, condition.CaseSensitive);
                return (text, context) => SafeIsMatch(regex, text, context);
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.Operator, "Unknown operator.");
        }
    }

    private static bool SafeIsMatch(Regex regex, string text, EvaluationContext context)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            context.Report($"regular expression '{Shorten(regex.ToString())}' timed out after {regex.MatchTimeout.TotalMilliseconds:0} ms; the condition counted as not matched.");
            return false;
        }
    }

    private static string Shorten(string pattern) => pattern.Length <= 60 ? pattern : pattern[..57] + "...";
}
