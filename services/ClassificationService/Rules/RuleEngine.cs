using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Rules;

/// <summary>What the rules decided about one message.</summary>
public sealed class RuleOutcome
{
    public string? Category { get; internal set; }

    /// <summary>The rule that set <see cref="Category"/>.</summary>
    public RuleDefinition? CategoryRule { get; internal set; }

    public bool? NeedsReply { get; internal set; }

    public RuleDefinition? NeedsReplyRule { get; internal set; }

    public List<string> Labels { get; } = [];

    public List<string> MatchedRuleIds { get; } = [];

    public IReadOnlyList<RuleIssue> Issues { get; internal set; } = [];
}

/// <summary>
/// Runs a <see cref="CompiledRuleSet"/> over a message. Rules run in order; every matching rule applies its
/// actions, except that the first rule to set the category (or the needs-reply flag) decides it; a
/// <c>stop</c> action ends the run.
/// </summary>
public static class RuleEngine
{
    public static RuleOutcome Evaluate(CompiledRuleSet rules, MessageFeatures message)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(message);
        var outcome = new RuleOutcome();
        var context = new EvaluationContext(message);
        foreach (var rule in rules.Rules)
        {
            // Built-in heuristics only decide a category nobody has decided yet.
            if (rule.BuiltIn && outcome.Category is not null)
            {
                continue;
            }

            context.CurrentRuleId = rule.Definition.Id;
            if (!rule.Predicate.Matches(context))
            {
                continue;
            }

            outcome.MatchedRuleIds.Add(rule.Definition.Id);
            if (Apply(rule.Definition, outcome))
            {
                break;
            }
        }

        outcome.Issues = context.Issues ?? (IReadOnlyList<RuleIssue>)[];
        return outcome;
    }

    /// <summary>Applies a rule's actions; true when it says stop.</summary>
    private static bool Apply(RuleDefinition rule, RuleOutcome outcome)
    {
        var stop = false;
        foreach (var action in rule.Actions)
        {
            switch (action.Type)
            {
                case RuleActionTypes.SetCategory when outcome.Category is null:
                    outcome.Category = Classification.Categories.Normalize(action.Value!);
                    outcome.CategoryRule = rule;
                    break;
                case RuleActionTypes.SetNeedsReply when outcome.NeedsReply is null:
                    outcome.NeedsReply = true;
                    outcome.NeedsReplyRule = rule;
                    break;
                case RuleActionTypes.ClearNeedsReply when outcome.NeedsReply is null:
                    outcome.NeedsReply = false;
                    outcome.NeedsReplyRule = rule;
                    break;
                case RuleActionTypes.AddLabel when !outcome.Labels.Contains(action.Value!, StringComparer.OrdinalIgnoreCase):
                    outcome.Labels.Add(action.Value!);
                    break;
                case RuleActionTypes.Stop:
                    stop = true;
                    break;
            }
        }

        return stop;
    }
}
