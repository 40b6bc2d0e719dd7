using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Classification;

/// <summary>A model's answer: the best category, its probability, and every category's score.</summary>
public sealed record ModelPrediction(string Category, double Confidence, IReadOnlyDictionary<string, float> Scores);

/// <summary>A learned classifier for what no rule decides.</summary>
public interface ICategoryModel
{
    /// <summary>Identifies the trained model (shown in results and events).</summary>
    string Version { get; }

    ModelPrediction Predict(MessageFeatures message);
}
