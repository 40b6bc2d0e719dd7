using System.Diagnostics.Metrics;

namespace GmailAutomation.DraftService.Drafts;

/// <summary>Meter <c>GmailAutomation.DraftService</c>: draft outcomes, recoveries, the reply-to-draft latency and outbox publishes.</summary>
public sealed class DraftServiceMetrics
{
    public const string MeterName = "GmailAutomation.DraftService";

    private readonly Counter<long> outcomes;
    private readonly Counter<long> recoveries;
    private readonly Counter<long> published;
    private readonly Histogram<double> latency;

    public DraftServiceMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        outcomes = meter.CreateCounter<long>("draft.outcomes", "{reply}", "Replies handled, by outcome (created, replaced, duplicate, skipped:<reason>, deleted-by-user).");
        recoveries = meter.CreateCounter<long>("draft.recoveries", "{reply}", "Replies taken up again after an interrupted attempt (the draft is looked for in Gmail first).");
        published = meter.CreateCounter<long>("draft.outbox.published", "{event}", "Events published from the outbox with a broker confirm.");
        latency = meter.CreateHistogram<double>("draft.latency", "s", "From ReplyGenerated (event time) to the draft saved in Gmail and recorded.");
    }

    public void Outcome(string outcome) => outcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Recovered() => recoveries.Add(1);

    public void Published(int count) => published.Add(count);

    public void Latency(TimeSpan elapsed) => latency.Record(Math.Max(0, elapsed.TotalSeconds));
}
