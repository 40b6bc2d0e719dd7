using System.Diagnostics.Metrics;

namespace GmailAutomation.ResponseService;

/// <summary>
/// Meter <c>GmailAutomation.ResponseService</c>: replies written (by provider), AI calls (by provider and outcome),
/// tokens, estimated cost, fallbacks and the time to write a reply.
/// </summary>
public sealed class ResponseServiceMetrics
{
    public const string MeterName = "GmailAutomation.ResponseService";

    private readonly Counter<long> replies;
    private readonly Counter<long> skipped;
    private readonly Counter<long> calls;
    private readonly Counter<long> tokens;
    private readonly Counter<double> cost;
    private readonly Counter<long> fallbacks;
    private readonly Histogram<double> callDuration;
    private readonly Histogram<double> replyDuration;
    private readonly Counter<long> published;

    public ResponseServiceMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        replies = meter.CreateCounter<long>("response.replies", "{reply}", "Replies written, by provider.");
        skipped = meter.CreateCounter<long>("response.skipped", "{message}", "Classified messages that got no reply, by reason.");
        calls = meter.CreateCounter<long>("response.ai.calls", "{call}", "Calls to AI providers, by provider, model and outcome.");
        tokens = meter.CreateCounter<long>("response.ai.tokens", "{token}", "Tokens used, by provider, model and kind (prompt, completion).");
        cost = meter.CreateCounter<double>("response.ai.cost", "USD", "Estimated AI cost, by provider and model.");
        fallbacks = meter.CreateCounter<long>("response.fallbacks", "{fallback}", "Times a provider was passed over, by provider and reason kind.");
        callDuration = meter.CreateHistogram<double>("response.ai.call.duration", "s", "Duration of AI calls, by provider and outcome.");
        replyDuration = meter.CreateHistogram<double>("response.reply.duration", "s", "Time to write a reply (fetch, prompt, providers), by provider.");
        published = meter.CreateCounter<long>("response.outbox.published", "{event}", "Events published from the outbox with a broker confirm.");
    }

    public void Replied(string provider, TimeSpan duration)
    {
        replies.Add(1, new KeyValuePair<string, object?>("provider", provider));
        replyDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("provider", provider));
    }

    public void Skipped(string reason) => skipped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Called(string provider, string model, string outcome, int promptTokens, int completionTokens, decimal costUsd, TimeSpan duration)
    {
        var p = new KeyValuePair<string, object?>("provider", provider);
        var m = new KeyValuePair<string, object?>("model", model);
        calls.Add(1, p, m, new KeyValuePair<string, object?>("outcome", outcome));
        tokens.Add(promptTokens, p, m, new KeyValuePair<string, object?>("kind", "prompt"));
        tokens.Add(completionTokens, p, m, new KeyValuePair<string, object?>("kind", "completion"));
        cost.Add((double)costUsd, p, m);
        callDuration.Record(duration.TotalSeconds, p, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void FellBack(string provider, string kind) =>
        fallbacks.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("reason", kind));

    public void Published(int count) => published.Add(count);
}
