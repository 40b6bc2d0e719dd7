using System.Text.RegularExpressions;
using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.Common.Errors;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Rules;

/// <summary>A rule ready to run: its definition and its condition turned into a predicate tree.</summary>
public sealed class CompiledRule(RuleDefinition definition, Predicate predicate, bool builtIn)
{
    public RuleDefinition Definition { get; } = definition;

    public Predicate Predicate { get; } = predicate;

    public bool BuiltIn { get; } = builtIn;
}

/// <summary>An ordered set of compiled rules: the user's own rules first, then the enabled built-in heuristics.</summary>
public sealed class CompiledRuleSet
{
    public CompiledRuleSet(IReadOnlyList<CompiledRule> rules) => Rules = rules;

    public IReadOnlyList<CompiledRule> Rules { get; }

    public static CompiledRuleSet Empty { get; } = new([]);

    /// <summary>
    /// Validates and compiles <paramref name="userRules"/> followed by the built-in rules not listed in
    /// <paramref name="disabledBuiltIns"/>. A bad rule throws <see cref="ValidationException"/> naming the rule and
    /// the position in it (for a regex: the character offset).
    /// </summary>
    public static CompiledRuleSet Compile(IEnumerable<RuleDefinition> userRules, IReadOnlySet<string> disabledBuiltIns, RegexCache regexes)
    {
        var compiled = new List<CompiledRule>();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var index = 0;
        foreach (var rule in userRules)
        {
            var path = $"rules[{index++}]";
            var ruleErrors = RuleValidator.Validate(rule, regexes);
            if (ruleErrors.Count > 0)
            {
                foreach (var (where, message) in ruleErrors)
                {
                    errors[$"{path}{where}"] = [$"Rule '{rule.Name}' ({rule.Id}): {message}"];
                }

                continue;
            }

            if (rule.Enabled)
            {
                compiled.Add(new CompiledRule(rule, PredicateBuilder.Build(rule.Condition, regexes), builtIn: false));
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors.First().Value[0], errors);
        }

        foreach (var rule in BuiltInRules.All)
        {
            if (!disabledBuiltIns.Contains(rule.Id))
            {
                compiled.Add(new CompiledRule(rule, PredicateBuilder.Build(rule.Condition, regexes), builtIn: true));
            }
        }

        return new CompiledRuleSet(compiled);
    }
}

/// <summary>Checks a rule before it is stored or run; each problem comes with its position (a JSON-path-like suffix).</summary>
public static class RuleValidator
{
    private const int MaxDepth = 16;
    private const int MaxPatternLength = 2000;

    public static IReadOnlyList<(string Where, string Message)> Validate(RuleDefinition rule, RegexCache regexes)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(rule.Name) || rule.Name.Length > 200)
        {
            errors.Add((".name", "a rule needs a name of 1 to 200 characters."));
        }

        ValidateCondition(rule.Condition, ".condition", 0, regexes, errors);
        if (rule.Actions.Count == 0)
        {
            errors.Add((".actions", "a rule needs at least one action."));
        }

        for (var i = 0; i < rule.Actions.Count; i++)
        {
            var action = rule.Actions[i];
            var where = $".actions[{i}]";
            switch (action.Type)
            {
                case RuleActionTypes.SetCategory when !Categories.IsValidName(action.Value):
                    errors.Add((where, $"category '{action.Value}' is not a valid name (letters, digits, space, '-' or '_', at most 40)."));
                    break;
                case RuleActionTypes.AddLabel when string.IsNullOrWhiteSpace(action.Value) || action.Value.Length > 225:
                    errors.Add((where, "addLabel needs a label name of 1 to 225 characters."));
                    break;
                case RuleActionTypes.SetCategory or RuleActionTypes.AddLabel or RuleActionTypes.SetNeedsReply
                    or RuleActionTypes.ClearNeedsReply or RuleActionTypes.Stop:
                    break;
                default:
                    errors.Add((where, $"unknown action '{action.Type}'; expected one of {string.Join(", ", RuleActionTypes.Values)}."));
                    break;
            }
        }

        return errors;
    }

    private static void ValidateCondition(RuleCondition? condition, string where, int depth, RegexCache regexes, List<(string, string)> errors)
    {
        if (condition is null)
        {
            errors.Add((where, "a condition is required."));
            return;
        }

        if (depth > MaxDepth)
        {
            errors.Add((where, $"conditions nest deeper than {MaxDepth} levels."));
            return;
        }

        switch (condition.Type)
        {
            case RuleConditionTypes.All or RuleConditionTypes.Any:
                if (condition.Conditions is not { Count: > 0 })
                {
                    errors.Add((where, $"'{condition.Type}' needs at least one condition."));
                    return;
                }

                for (var i = 0; i < condition.Conditions.Count; i++)
                {
                    ValidateCondition(condition.Conditions[i], $"{where}.conditions[{i}]", depth + 1, regexes, errors);
                }

                return;
            case RuleConditionTypes.Not:
                if (condition.Conditions is not { Count: 1 })
                {
                    errors.Add((where, "'not' needs exactly one condition."));
                    return;
                }

                ValidateCondition(condition.Conditions[0], $"{where}.conditions[0]", depth + 1, regexes, errors);
                return;
            case RuleConditionTypes.HasAttachment or RuleConditionTypes.HasCalendarPart:
                return;
            case RuleConditionTypes.Field:
                ValidateField(condition, where, regexes, errors);
                return;
            default:
                errors.Add((where, $"unknown condition type '{condition.Type}'; expected one of {string.Join(", ", RuleConditionTypes.Values)}."));
                return;
        }
    }

    private static void ValidateField(RuleCondition condition, string where, RegexCache regexes, List<(string, string)> errors)
    {
        if (condition.Field is null || !RuleFields.Values.Contains(condition.Field))
        {
            errors.Add((where, $"unknown field '{condition.Field}'; expected one of {string.Join(", ", RuleFields.Values)}."));
            return;
        }

        if (condition.Field == RuleFields.Header && string.IsNullOrWhiteSpace(condition.Header))
        {
            errors.Add((where, "the 'header' field needs the header's name."));
        }

        if (condition.Operator is null || !RuleOperators.Values.Contains(condition.Operator))
        {
            errors.Add((where, $"unknown operator '{condition.Operator}'; expected one of {string.Join(", ", RuleOperators.Values)}."));
            return;
        }

        if (condition.Operator == RuleOperators.Exists)
        {
            return;
        }

        if (string.IsNullOrEmpty(condition.Value))
        {
            errors.Add((where, $"operator '{condition.Operator}' needs a value."));
            return;
        }

        if (condition.Operator == RuleOperators.Regex)
        {
            if (condition.Value.Length > MaxPatternLength)
            {
                errors.Add((where, $"the regular expression is longer than {MaxPatternLength} characters."));
                return;
            }

            try
            {
                regexes.Get(condition.Value, condition.CaseSensitive);
            }
            catch (RegexParseException exception)
            {
                errors.Add((where, $"invalid regular expression at position {exception.Offset}: {exception.Error}."));
            }
            catch (ArgumentException exception)
            {
                errors.Add((where, $"invalid regular expression: {exception.Message}"));
            }
        }
    }
}
