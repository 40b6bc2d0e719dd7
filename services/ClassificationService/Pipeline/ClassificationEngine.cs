using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.MailParsing;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>
/// Classifies one message for one user: the user's rules and enabled built-ins, then the account's model (or the
/// default one). Never throws for a bad message: an unexpected failure gives <c>Other</c> with the reason, so that
/// no message is dropped.
/// </summary>
public sealed partial class ClassificationEngine(
    RuleSetProvider rules,
    ModelProvider models,
    IOptions<ClassificationOptions> options,
    ILogger<ClassificationEngine> logger)
{
    public async Task<(ClassificationResult Result, UserRuleSet Rules)> ClassifyAsync(
        MessageFeatures message, Guid userId, Guid? accountId, string? userAddress, CancellationToken cancellationToken)
    {
        var ruleSet = await rules.GetAsync(userId, cancellationToken);
        var model = accountId is { } id ? await models.ForAccountAsync(id, cancellationToken) : models.Default;
        return (Classify(message, ruleSet, model, userAddress), ruleSet);
    }

    public ClassificationResult Classify(MessageFeatures message, UserRuleSet ruleSet, ICategoryModel? model, string? userAddress)
    {
        var settings = new ClassifierSettings { ConfidenceThreshold = options.Value.ConfidenceThreshold, LabelParent = ruleSet.LabelParent };
        ClassificationResult result;
        try
        {
            result = MessageClassifier.Classify(message, ruleSet.Rules, model, settings, userAddress);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            LogClassificationFailed(ex.GetType().Name);
            result = new ClassificationResult
            {
                Category = Categories.Other,
                DecidedBy = DecisionKinds.None,
                NeedsReplyReason = "not decided: the message could not be classified",
                Notes = [$"classification failed ({ex.GetType().Name}); marked Other"],
                MalformedParts = message.MalformedParts,
            };
        }

        // A category whose label the user switched off is still recorded, just not labelled.
        if (ruleSet.DisabledLabelCategories.Contains(result.Category))
        {
            var categoryLabel = $"{ruleSet.LabelParent}/{result.Category}";
            result = result with
            {
                Labels = [.. result.Labels.Where(l => !string.Equals(l, categoryLabel, StringComparison.OrdinalIgnoreCase))],
                Notes = [.. result.Notes, $"the {result.Category} label is switched off"],
            };
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Classifying a message failed ({ExceptionType}); it is marked Other")]
    private partial void LogClassificationFailed(string exceptionType);
}
