using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>A connected account and its mailbox.</summary>
internal sealed record Account(Guid Id, string Email);

/// <summary>Everything a scenario works with: the started AppHost, the emulator's admin API and the event recorder.</summary>
internal sealed class Harness(AppHostSession session, EmulatorAdmin emulator, PipelineRecorder recorder, string canary)
{
    public AppHostSession Session { get; } = session;

    public EmulatorAdmin Emulator { get; } = emulator;

    public PipelineRecorder Recorder { get; } = recorder;

    /// <summary>The word every delivered body carries (the log scan looks for it).</summary>
    public string Canary { get; } = canary;

    /// <summary>Statuses auth-service answered to a replayed OAuth callback (same state and code), one per connect.</summary>
    public ConcurrentBag<int> ReplayStatuses { get; } = [];

    public static async Task<Harness> StartAsync(SessionSettings settings, string artifacts, CancellationToken cancellationToken)
    {
        var session = await AppHostSession.StartAsync(settings, artifacts, cancellationToken);
        try
        {
            var recorder = await PipelineRecorder.StartAsync(await session.ConnectionStringAsync("rabbitmq", cancellationToken), cancellationToken);
            return new Harness(session, new EmulatorAdmin(session.Endpoint("gmail-emulator")), recorder, "canary" + Guid.NewGuid().ToString("N")[..12]);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Connects <paramref name="count"/> new mailboxes through the consent page and waits until each one's initial
    /// sync is done and email-service watches it (push), so later deliveries are picked up by push, not polling.
    /// </summary>
    public async Task<List<Account>> ConnectAsync(string prefix, int count, CancellationToken cancellationToken, bool waitForSync = true)
    {
        var auth = Session.Endpoint("auth-service");
        var gmail = Session.Endpoint("gmail-emulator");
        var run = Guid.NewGuid().ToString("N")[..6];
        var accounts = new ConcurrentBag<Account>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var email = $"{prefix}{i}.{run}@e2e.example";
            using var browser = new MailboxBrowser();
            var (id, replay) = await browser.SignInAndConnectAsync(auth, gmail, email, token);
            ReplayStatuses.Add(replay);
            accounts.Add(new Account(id, email));
        });
        var list = accounts.OrderBy(a => a.Email, StringComparer.Ordinal).ToList();
        if (waitForSync)
        {
            await WaitSyncedAsync(list, TimeSpan.FromMinutes(5), cancellationToken);
        }

        return list;
    }

    /// <summary>
    /// One message of each kind per account, not measured: a new account's first messages create its Gmail labels
    /// and fill the services' account, token and label caches, a one-time cost per account rather than per message.
    /// </summary>
    public async Task WarmUpAsync(IReadOnlyList<Account> accounts, CancellationToken cancellationToken)
    {
        var delivered = new List<DeliveredMessage>();
        foreach (var kind in MailKinds.All)
        {
            delivered.AddRange(await Task.WhenAll(accounts.Select((a, i) => Emulator.DeliverAsync(a.Email, kind, -1 - i, Canary, cancellationToken))));
        }

        var (state, took) = await EndState.WaitAsync(Emulator, delivered, TimeSpan.FromMinutes(5), TimeSpan.Zero, TimeSpan.FromSeconds(1), cancellationToken);
        Console.WriteLine($"   warm-up: {delivered.Count} messages done in {took.TotalSeconds:0} s ({(state.Complete ? "complete" : state.ToString())})");
    }

    public async Task WaitSyncedAsync(IReadOnlyCollection<Account> accounts, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var synced = Recorder.Of("SyncCompleted").Select(e => e.AccountId).ToHashSet();
            var watched = await Emulator.WatchedAsync(cancellationToken);
            var waiting = accounts.Count(a => !synced.Contains(a.Id) || !watched.Contains(a.Email));
            if (waiting == 0)
            {
                // The watch's own first notification wakes one more sync pass; let it pass before measuring.
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{waiting} of {accounts.Count} accounts were not synced and watched within {patience.TotalSeconds:0} s.");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>
    /// Delivers <paramref name="rate"/> messages a second for <paramref name="duration"/>, round-robin over the
    /// accounts and over the mail kinds, each on its own schedule (open loop: a slow system does not slow the load).
    /// </summary>
    public async Task<List<DeliveredMessage>> DeliverAsync(IReadOnlyList<Account> accounts, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (int)Math.Round(rate * duration.TotalSeconds);
        var sends = new List<Task<DeliveredMessage>>(total);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            var account = accounts[i % accounts.Count];
            // Shifted by one kind per round, so every account gets every kind and every second a mix of them.
            var kind = MailKinds.All[(i + (i / accounts.Count)) % MailKinds.All.Length];
            sends.Add(Emulator.DeliverAsync(account.Email, kind, i, Canary, cancellationToken));
        }

        return [.. await Task.WhenAll(sends)];
    }

    /// <summary>delivered → label applied and → draft created, in ms, from the services' own effect times.</summary>
    public Latencies Measure(IReadOnlyList<Account> accounts, IReadOnlyCollection<DeliveredMessage> delivered)
    {
        var accountOf = accounts.ToDictionary(a => a.Email, a => a.Id, StringComparer.OrdinalIgnoreCase);
        var received = FirstBy("EmailReceived");
        var seen = new List<double>();
        var classified = FirstBy("EmailClassified");
        var replied = FirstBy("ReplyGenerated");
        var drafted = FirstBy("DraftCreated");
        var sync = new List<double>();
        var reply = new List<double>();
        var label = new List<double>();
        var labelSeen = new List<double>();
        var draft = new List<double>();
        foreach (var message in delivered)
        {
            var key = (accountOf[message.Mailbox], message.GmailId);
            if (received.TryGetValue(key, out var r))
            {
                sync.Add((r.CreatedAt - message.DeliveredAt).TotalMilliseconds);
                seen.Add((r.ReceivedAt - message.DeliveredAt).TotalMilliseconds);
            }

            if (replied.TryGetValue(key, out var g))
            {
                reply.Add((g.CreatedAt - message.DeliveredAt).TotalMilliseconds);
            }

            if (classified.TryGetValue(key, out var c))
            {
                label.Add((c.CreatedAt - message.DeliveredAt).TotalMilliseconds);
                labelSeen.Add((c.ReceivedAt - message.DeliveredAt).TotalMilliseconds);
            }

            if (drafted.TryGetValue(key, out var d))
            {
                draft.Add((d.CreatedAt - message.DeliveredAt).TotalMilliseconds);
            }
        }

        return new Latencies(Percentiles.Of(sync), Percentiles.Of(seen), Percentiles.Of(label), Percentiles.Of(labelSeen), Percentiles.Of(reply), Percentiles.Of(draft));
    }

    private Dictionary<(Guid, string), RecordedEvent> FirstBy(string type) =>
        Recorder.Of(type)
            .Where(e => e.GmailMessageId is not null)
            .GroupBy(e => (e.AccountId, e.GmailMessageId!))
            .ToDictionary(g => g.Key, g => g.MinBy(e => e.CreatedAt)!);

    /// <summary>Events on the bus for these accounts: total and distinct messages per type (events in, effects out).</summary>
    public Dictionary<string, EventCount> CountEvents(IReadOnlyCollection<Account> accounts)
    {
        var ids = accounts.Select(a => a.Id).ToHashSet();
        return PipelineRecorder.EventTypes
            .Where(t => t is "EmailReceived" or "EmailClassified" or "ReplyGenerated" or "DraftCreated")
            .ToDictionary(t => t, t =>
            {
                var events = Recorder.Of(t).Where(e => ids.Contains(e.AccountId)).ToList();
                return new EventCount(events.Count, events.Select(e => (e.AccountId, e.GmailMessageId)).Distinct().Count());
            });
    }
}

internal sealed record EventCount(int Total, int DistinctMessages);

/// <summary>Each stage measured from the delivery: read by email-service, its event on the bus, label applied, seen on the bus, reply written, draft saved.</summary>
internal sealed record Latencies(Percentiles EmailReceived, Percentiles EmailReceivedSeen, Percentiles LabelApplied, Percentiles LabelEventSeen, Percentiles ReplyGenerated, Percentiles DraftCreated);

internal sealed record Percentiles(int Count, double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0
            ? new Percentiles(0, double.NaN, double.NaN, double.NaN, double.NaN)
            : new Percentiles(sorted.Length, At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99), sorted[^1]);
    }

    private static double At(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public override string ToString() =>
        Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"p50 {P50:0} / p95 {P95:0} / p99 {P99:0} ms (n={Count})");
}
