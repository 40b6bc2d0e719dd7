using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace GmailAutomation.EmailService.Sync;

/// <summary>
/// Meter <c>GmailAutomation.EmailService</c>: messages handed on, passes, re-syncs, push notifications and, per
/// account synced on this replica, the figures of the status API (progress, lag, watch expiry, quota, 429s).
/// </summary>
public sealed class EmailServiceMetrics
{
    public const string MeterName = "GmailAutomation.EmailService";

    private readonly Counter<long> messages;
    private readonly Counter<long> passes;
    private readonly Counter<long> resyncs;
    private readonly Counter<long> pushes;
    private readonly Counter<long> published;
    private readonly Histogram<double> syncDuration;
    private readonly ConcurrentDictionary<Guid, AccountFigures> accounts = new();

    public EmailServiceMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        messages = meter.CreateCounter<long>("email.sync.messages", "{message}", "Messages handed on as EmailReceived (saved to the outbox), by source.");
        passes = meter.CreateCounter<long>("email.sync.passes", "{pass}", "Completed sync passes, by kind.");
        resyncs = meter.CreateCounter<long>("email.sync.resyncs", "{resync}", "Window re-syncs started, by reason.");
        pushes = meter.CreateCounter<long>("email.push.notifications", "{notification}", "Push notifications received, by outcome.");
        published = meter.CreateCounter<long>("email.outbox.published", "{event}", "Events published from the outbox with a broker confirm.");
        syncDuration = meter.CreateHistogram<double>("email.sync.duration", "s", "Duration of sync passes, by kind.");
        meter.CreateObservableGauge("email.sync.accounts", () => new Measurement<long>(accounts.Count), "{account}", "Accounts synced by this replica.");
        meter.CreateObservableGauge("email.sync.progress.done", () => Each(f => f.Done), "{message}", "Messages done in the current or last pass, per account.");
        meter.CreateObservableGauge("email.sync.progress.estimated", () => Each(f => f.Estimated), "{message}", "Gmail's estimate of the window, per account.");
        meter.CreateObservableGauge("email.sync.lag", () => EachDouble(f => f.LagSeconds), "s", "Seconds since the account was last synced up to date.");
        meter.CreateObservableGauge("email.sync.history_id", () => Each(f => f.HistoryId), "{id}", "History cursor per account.");
        meter.CreateObservableGauge("email.watch.expires_in", () => EachDouble(f => f.WatchExpiresInSeconds), "s", "Seconds until the account's watch expires.");
        meter.CreateObservableGauge("email.gmail.quota_units", () => Each(f => f.QuotaUnits), "{unit}", "Gmail quota units used per account.");
        meter.CreateObservableGauge("email.gmail.rate_limited", () => Each(f => f.RateLimited), "{answer}", "429 answers per account.");
    }

    public void MessagesSynced(string source, int count) => messages.Add(count, new KeyValuePair<string, object?>("source", source));

    public void PassCompleted(string kind, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind);
        passes.Add(1, tag);
        syncDuration.Record(duration.TotalSeconds, tag);
    }

    public void ResyncStarted(string reason) => resyncs.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void PushReceived(string outcome) => pushes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Published(int count) => published.Add(count);

    public void Report(Guid accountId, AccountFigures figures) => accounts[accountId] = figures;

    public void Forget(Guid accountId) => accounts.TryRemove(accountId, out _);

    private IEnumerable<Measurement<long>> Each(Func<AccountFigures, long> value) =>
        accounts.Select(a => new Measurement<long>(value(a.Value), new KeyValuePair<string, object?>("account", a.Key)));

    private IEnumerable<Measurement<double>> EachDouble(Func<AccountFigures, double> value) =>
        accounts.Select(a => new Measurement<double>(value(a.Value), new KeyValuePair<string, object?>("account", a.Key)));
}

/// <summary>The status figures of one account at the last report.</summary>
public sealed record AccountFigures(long Done, long Estimated, long HistoryId, double LagSeconds, double WatchExpiresInSeconds, long QuotaUnits, long RateLimited);
