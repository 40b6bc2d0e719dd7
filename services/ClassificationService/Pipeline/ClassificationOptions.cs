using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>The service's settings (<c>Classification</c> section), validated at start.</summary>
public sealed class ClassificationOptions
{
    public const string SectionName = "Classification";

    /// <summary>The default model (relative paths resolve against the service's folder).</summary>
    [Required]
    public string ModelPath { get; set; } = "Model/default-model.zip";

    /// <summary>Below this probability the model's guess is not used and the category is <c>Other</c>.</summary>
    [Range(0.0, 1.0)]
    public double ConfidenceThreshold { get; set; } = 0.5;

    /// <summary>Parent of the category labels (<c>Automation/Newsletter</c>) unless a user chose another.</summary>
    [Required]
    [RegularExpression(@"^[^/\s][^/]{0,99}(/[^/]{1,100}){0,3}$", ErrorMessage = "LabelParent must be a Gmail label path such as 'Automation'.")]
    public string LabelParent { get; set; } = "Automation";

    /// <summary>How long one user regex may run on one value before it is abandoned (and the reason recorded).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The most processed messages a dry-run reads.</summary>
    [Range(1, 10_000)]
    public int DryRunMaxMessages { get; set; } = 1000;

    /// <summary>The largest raw message <c>POST /api/classify</c> accepts.</summary>
    [Range(1024, 50 * 1024 * 1024)]
    public int MaxRawMessageBytes { get; set; } = 10 * 1024 * 1024;

    [Range(1, 1000)]
    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>How long a compiled rule set or an account model is reused before its revision is checked again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheRecheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Corrections of an account since its last model that trigger a retrain (when the trainer is available).</summary>
    [Range(1, 100_000)]
    public int RetrainAfterCorrections { get; set; } = 50;
}
