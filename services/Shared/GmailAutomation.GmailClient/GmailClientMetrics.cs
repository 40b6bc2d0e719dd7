using System.Diagnostics.Metrics;

namespace GmailAutomation.GmailClient;

/// <summary>
/// Meter <c>GmailAutomation.GmailClient</c>. Tags are the method (or method group) and the HTTP status —
/// never the account, a token or message content.
/// </summary>
public sealed class GmailClientMetrics
{
    public const string MeterName = "GmailAutomation.GmailClient";

    private readonly Counter<long> calls;
    private readonly Counter<long> units;
    private readonly Counter<long> retries;
    private readonly Counter<long> rateLimited;
    private readonly Counter<long> breakerTransitions;
    private readonly Histogram<double> quotaWait;

    public GmailClientMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        calls = meter.CreateCounter<long>("gmail.client.calls", "{call}", "HTTP answers from Gmail, by method and status (batch inner calls included).");
        units = meter.CreateCounter<long>("gmail.client.quota.units", "{unit}", "Gmail quota units charged to the per-user bucket before calls.");
        retries = meter.CreateCounter<long>("gmail.client.retries", "{retry}", "Retries of Gmail calls, by method group and the status that caused them.");
        rateLimited = meter.CreateCounter<long>("gmail.client.rate_limited", "{answer}", "429 and rate-limit 403 answers from Gmail.");
        breakerTransitions = meter.CreateCounter<long>("gmail.client.breaker.transitions", "{transition}", "Circuit breaker state changes, by method group and new state.");
        quotaWait = meter.CreateHistogram<double>("gmail.client.quota.wait", "ms", "Time spent waiting for tokens in the per-user quota bucket.");
    }

    internal void Called(string method, int status, bool rateLimit)
    {
        var statusTag = new KeyValuePair<string, object?>("status", status);
        calls.Add(1, new KeyValuePair<string, object?>("method", method), statusTag);
        if (rateLimit)
        {
            rateLimited.Add(1, new KeyValuePair<string, object?>("method", method), statusTag);
        }
    }

    internal void Charged(string method, int count, TimeSpan waited)
    {
        var methodTag = new KeyValuePair<string, object?>("method", method);
        units.Add(count, methodTag);
        quotaWait.Record(waited.TotalMilliseconds, methodTag);
    }

    internal void Retried(string group, string status) =>
        retries.Add(1, new KeyValuePair<string, object?>("method", group), new KeyValuePair<string, object?>("status", status));

    internal void BreakerChanged(string group, string state) =>
        breakerTransitions.Add(1, new KeyValuePair<string, object?>("method", group), new KeyValuePair<string, object?>("state", state));
}
