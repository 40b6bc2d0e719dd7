using System.Text.RegularExpressions;
using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.Common.Errors;

namespace GmailAutomation.ClassificationService.Apis;

/// <summary>
/// Checks a rule before it is stored or dry-run: the rule engine's validation (a bad regex names the rule and the
/// character position), categories the user has, and a probe of every pattern that needs the backtracking engine
/// against inputs that make catastrophic patterns explode: one that times out is refused with that reason.
/// </summary>
public static class RuleValidation
{
    private static readonly string[] Probes =
    [
        new string('a', 4000) + "!",
        new string(' ', 4000) + "!",
        string.Concat(Enumerable.Repeat("ab", 2000)) + "!",
        new string('0', 4000) + "x",
        string.Concat(Enumerable.Repeat("a.", 2000)) + "@",
    ];

    /// <summary>Throws <see cref="ValidationException"/> listing every problem of <paramref name="rule"/> (as <c>{prefix}.path</c>).</summary>
    public static void Validate(RuleDefinition rule, RegexCache regexes, IReadOnlySet<string> userCategories, string prefix = "rule")
    {
        var errors = Problems(rule, regexes, userCategories);
        if (errors.Count > 0)
        {
            var map = errors.GroupBy(e => prefix + e.Where).ToDictionary(g => g.Key, g => g.Select(e => $"Rule '{rule.Name}': {e.Message}").ToArray());
            throw new ValidationException(map.First().Value[0], map);
        }
    }

    public static IReadOnlyList<(string Where, string Message)> Problems(RuleDefinition rule, RegexCache regexes, IReadOnlySet<string> userCategories)
    {
        var errors = RuleValidator.Validate(rule, regexes).ToList();
        if (errors.Count > 0)
        {
            return errors;
        }

        for (var i = 0; i < rule.Actions.Count; i++)
        {
            if (rule.Actions[i] is { Type: RuleActionTypes.SetCategory, Value: { } category }
                && !Categories.BuiltIn.Contains(category, StringComparer.OrdinalIgnoreCase)
                && !userCategories.Contains(category))
            {
                errors.Add(($".actions[{i}]", $"category '{category}' does not exist; add it first (POST /api/classification/categories)."));
            }
        }

        ProbePatterns(rule.Condition, ".condition", regexes, errors);
        return errors;
    }

    private static void ProbePatterns(RuleCondition? condition, string where, RegexCache regexes, List<(string, string)> errors)
    {
        if (condition is null)
        {
            return;
        }

        if (condition.Type == RuleConditionTypes.Field && condition.Operator == RuleOperators.Regex && condition.Value is { } pattern)
        {
            var regex = regexes.Get(pattern, condition.CaseSensitive);
            if (!RegexCache.IsLinear(regex))
            {
                foreach (var probe in Probes)
                {
                    try
                    {
                        regex.IsMatch(probe);
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        errors.Add((where, $"the regular expression backtracks catastrophically: it ran past the {regex.MatchTimeout.TotalMilliseconds:0} ms limit on a {probe.Length}-character test input. Avoid nested quantifiers with backreferences or lookarounds."));
                        return;
                    }
                }
            }
        }

        for (var i = 0; i < (condition.Conditions?.Count ?? 0); i++)
        {
            ProbePatterns(condition.Conditions![i], $"{where}.conditions[{i}]", regexes, errors);
        }
    }
}
