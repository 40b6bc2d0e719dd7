using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Classification;

/// <summary>Who decided a classification.</summary>
public static class DecisionKinds
{
    /// <summary>One of the user's rules.</summary>
    public const string Rule = "rule";

    /// <summary>A built-in heuristic.</summary>
    public const string BuiltIn = "builtin";

    /// <summary>The learned model, confident enough.</summary>
    public const string Model = "model";

    /// <summary>Nothing decided: the category is <see cref="Categories.Other"/>.</summary>
    public const string None = "none";
}

/// <summary>The full answer for one message.</summary>
public sealed record ClassificationResult
{
    public required string Category { get; init; }

    /// <summary>0..1; a rule decides with 1.</summary>
    public double Confidence { get; init; }

    public bool NeedsReply { get; init; }

    public required string NeedsReplyReason { get; init; }

    /// <summary>One of <see cref="DecisionKinds"/>.</summary>
    public required string DecidedBy { get; init; }

    public string? RuleId { get; init; }

    public string? RuleName { get; init; }

    public string? ModelVersion { get; init; }

    /// <summary>The model's best guess even when it was below the threshold (null when no model ran).</summary>
    public string? ModelCategory { get; init; }

    /// <summary>Gmail label names to apply: the category label (none for <c>Other</c>) and labels added by rules.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    public IReadOnlyList<string> MatchedRules { get; init; } = [];

    /// <summary>Why the answer is what it is when something went wrong or nothing decided (e.g. a regex timeout).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public IReadOnlyList<string> MalformedParts { get; init; } = [];
}

/// <summary>Settings of <see cref="MessageClassifier"/>.</summary>
public sealed record ClassifierSettings
{
    /// <summary>Below this probability the model's guess is not used and the category is <c>Other</c>.</summary>
    public double ConfidenceThreshold { get; init; } = 0.5;

    /// <summary>Parent of the category labels (<c>Automation/Newsletter</c>).</summary>
    public string LabelParent { get; init; } = "Automation";
}

/// <summary>Rules first (the user's, then the built-in heuristics), the model for the rest, then needs-reply.</summary>
public static class MessageClassifier
{
    public static ClassificationResult Classify(
        MessageFeatures message,
        CompiledRuleSet rules,
        ICategoryModel? model,
        ClassifierSettings settings,
        string? userAddress = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(settings);
        var outcome = RuleEngine.Evaluate(rules, message);
        var notes = outcome.Issues.Select(i => $"{i.RuleId}: {i.Reason}").ToList();
        string category;
        double confidence;
        string decidedBy;
        ModelPrediction? prediction = null;

        if (outcome.Category is not null)
        {
            category = outcome.Category;
            confidence = 1;
            decidedBy = outcome.CategoryRule is { } r && BuiltInRules.IsBuiltIn(r.Id) ? DecisionKinds.BuiltIn : DecisionKinds.Rule;
        }
        else if (model is null)
        {
            (category, confidence, decidedBy) = (Categories.Other, 0, DecisionKinds.None);
            notes.Add("no rule matched and no model is loaded");
        }
        else
        {
            prediction = model.Predict(message);
            if (prediction.Confidence >= settings.ConfidenceThreshold)
            {
                (category, confidence, decidedBy) = (prediction.Category, prediction.Confidence, DecisionKinds.Model);
            }
            else
            {
                (category, confidence, decidedBy) = (Categories.Other, prediction.Confidence, DecisionKinds.None);
                notes.Add($"the model's best guess {prediction.Category} ({prediction.Confidence:0.00}) is below the threshold {settings.ConfidenceThreshold:0.00}");
            }
        }

        if (message.MalformedParts.Count > 0)
        {
            notes.Add($"malformed parts: {string.Join(", ", message.MalformedParts)}");
        }

        var reply = NeedsReplyDecider.Decide(message, category, outcome, userAddress);
        var labels = new List<string>();
        if (category != Categories.Other)
        {
            labels.Add($"{settings.LabelParent}/{category}");
        }

        labels.AddRange(outcome.Labels.Where(l => !labels.Contains(l, StringComparer.OrdinalIgnoreCase)));

        return new ClassificationResult
        {
            Category = category,
            Confidence = confidence,
            NeedsReply = reply.NeedsReply,
            NeedsReplyReason = reply.Reason,
            DecidedBy = decidedBy,
            RuleId = outcome.CategoryRule?.Id,
            RuleName = outcome.CategoryRule?.Name,
            ModelVersion = prediction is null ? null : model?.Version,
            ModelCategory = prediction?.Category,
            Labels = labels,
            MatchedRules = outcome.MatchedRuleIds,
            Notes = notes,
            MalformedParts = message.MalformedParts,
        };
    }
}
