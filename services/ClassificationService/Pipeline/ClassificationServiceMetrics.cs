using System.Diagnostics.Metrics;

namespace GmailAutomation.ClassificationService.Pipeline;

/// <summary>Meter <c>GmailAutomation.ClassificationService</c>: messages classified, duplicates skipped, labels applied, latency, events published.</summary>
public sealed class ClassificationServiceMetrics
{
    public const string MeterName = "GmailAutomation.ClassificationService";

    private readonly Counter<long> _classified;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _labelsApplied;
    private readonly Counter<long> _published;
    private readonly Histogram<double> _duration;

    public ClassificationServiceMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _classified = meter.CreateCounter<long>("classification.messages", "{message}", "Messages classified, by category and decider.");
        _duplicates = meter.CreateCounter<long>("classification.duplicates", "{message}", "Redelivered EmailReceived events that changed nothing.");
        _labelsApplied = meter.CreateCounter<long>("classification.labels_applied", "{label}", "Gmail labels added to messages.");
        _published = meter.CreateCounter<long>("classification.outbox.published", "{event}", "EmailClassified events published from the outbox.");
        _duration = meter.CreateHistogram<double>("classification.duration", "ms", "Time from EmailReceived consumed to labels applied and recorded.");
    }

    public void Classified(string category, string decidedBy, double milliseconds)
    {
        _classified.Add(1, new KeyValuePair<string, object?>("category", category), new KeyValuePair<string, object?>("decided_by", decidedBy));
        _duration.Record(milliseconds);
    }

    public void Duplicate() => _duplicates.Add(1);

    public void LabelsApplied(int count) => _labelsApplied.Add(count);

    public void Published(int count) => _published.Add(count);
}
