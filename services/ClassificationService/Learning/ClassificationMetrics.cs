using System.Text.Json.Serialization;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassMetrics(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("support")] int Support,
    [property: JsonPropertyName("precision")] double Precision,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("f1")] double F1);

/// <summary>Accuracy, per-class figures and macro-F1 of predictions against true labels.</summary>
public sealed record ClassificationMetrics(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("macroF1")] double MacroF1,
    [property: JsonPropertyName("classes")] IReadOnlyList<ClassMetrics> Classes)
{
    /// <summary>Computes the figures; classes are those seen in either the truth or the predictions.</summary>
    public static ClassificationMetrics Compute(IReadOnlyList<(string Truth, string Predicted)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var labels = pairs.SelectMany(p => new[] { p.Truth, p.Predicted }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var classes = new List<ClassMetrics>(labels.Length);
        foreach (var label in labels)
        {
            var truePositive = pairs.Count(p => p.Truth == label && p.Predicted == label);
            var predicted = pairs.Count(p => p.Predicted == label);
            var support = pairs.Count(p => p.Truth == label);
            var precision = predicted == 0 ? 0 : (double)truePositive / predicted;
            var recall = support == 0 ? 0 : (double)truePositive / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes.Add(new ClassMetrics(label, support, precision, recall, f1));
        }

        // Macro-F1 averages over the true classes (a label only ever predicted would otherwise count as 0).
        var trueClasses = classes.Where(c => c.Support > 0).ToArray();
        return new ClassificationMetrics(
            pairs.Count,
            pairs.Count == 0 ? 0 : (double)pairs.Count(p => p.Truth == p.Predicted) / pairs.Count,
            trueClasses.Length == 0 ? 0 : trueClasses.Average(c => c.F1),
            classes);
    }
}
