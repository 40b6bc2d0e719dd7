using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Faults;

/// <summary>What fault injection has done so far, by status, and how many calls it slowed down.</summary>
public sealed record FaultStatistics(IReadOnlyDictionary<string, long> Injected, long DelayedCalls);

/// <summary>
/// Applies <see cref="FaultSettings"/> to every Gmail API call: added latency, deterministic "fail next",
/// periodic 429 bursts and random error rates, in that order. Settings are swapped atomically, so a
/// <c>PUT /emulator/faults</c> never tears a call in half.
/// </summary>
public sealed class FaultInjector : IFaultInjector, IEmulatorResettable
{
    public const string MeterName = "GmailAutomation.GmailEmulator.Faults";

    private readonly TimeProvider _time;
    private readonly FaultSettings _startup;
    private readonly ConcurrentDictionary<int, long> _injected = new();
    private readonly Counter<long> _injectedCounter;
    private long _delayed;
    private volatile Active _active;

    public FaultInjector(TimeProvider time, IOptions<FaultSettings> startup, IMeterFactory meters)
    {
        _time = time;
        _startup = startup.Value;
        _active = Activate(_startup);
        _injectedCounter = meters.Create(MeterName).CreateCounter<long>("gmail_emulator.faults.injected", "{call}", "Calls answered with an injected fault, by status.");
    }

    public bool HistoryExpired => _active.Settings.HistoryExpired;

    public async ValueTask<InjectedFault?> BeforeCallAsync(string email, string method, CancellationToken cancellationToken)
    {
        var active = _active;
        if (!active.Applies(email, method))
        {
            return null;
        }

        if (active.Settings.Latency is { Added: var added } latency && added > TimeSpan.Zero && active.Draw() < latency.Probability)
        {
            Interlocked.Increment(ref _delayed);
            await Task.Delay(added, _time, cancellationToken);
        }

        var status = active.TakeFailNext()
            ?? (active.InBurst(_time) ? 429 : (int?)null)
            ?? active.DrawErrorStatus();
        if (status is not { } code)
        {
            return null;
        }

        _injected.AddOrUpdate(code, 1, (_, n) => n + 1);
        _injectedCounter.Add(1, new KeyValuePair<string, object?>("status", code));
        return new InjectedFault(code);
    }

    /// <summary>Replaces the settings; the burst clock restarts and the random source is reseeded.</summary>
    public void Apply(FaultSettings settings) => _active = Activate(settings);

    /// <summary>The settings in force, with <c>failNext.count</c> showing what is left of it.</summary>
    public FaultSettings Current()
    {
        var active = _active;
        var settings = active.Settings;
        return new FaultSettings
        {
            ErrorRates = new Dictionary<string, double>(settings.ErrorRates),
            RateLimitBurst = settings.RateLimitBurst,
            Latency = settings.Latency,
            FailNext = settings.FailNext is null ? null : new FailNextSettings { Count = active.FailNextRemaining, StatusCode = settings.FailNext.StatusCode },
            HistoryExpired = settings.HistoryExpired,
            Methods = [.. settings.Methods],
            Users = [.. settings.Users],
            Seed = settings.Seed,
        };
    }

    public FaultStatistics Statistics() =>
        new(_injected.OrderBy(p => p.Key).ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value), Interlocked.Read(ref _delayed));

    /// <summary>Back to the configured start-up settings, with the statistics cleared.</summary>
    public void Reset()
    {
        _injected.Clear();
        Interlocked.Exchange(ref _delayed, 0);
        _active = Activate(_startup);
    }

    private Active Activate(FaultSettings settings) => new(settings, settings.Validate(), _time.GetTimestamp());

    private sealed class Active
    {
        private readonly IReadOnlyList<(int Status, double Rate)> _rates;
        private readonly long _epoch;
        private readonly Random? _seeded;
        private readonly Lock _randomLock = new();
        private int _failNextRemaining;

        public Active(FaultSettings settings, IReadOnlyList<(int Status, double Rate)> rates, long epoch)
        {
            Settings = settings;
            _rates = rates;
            _epoch = epoch;
            _seeded = settings.Seed is { } seed ? new Random(seed) : null;
            _failNextRemaining = settings.FailNext?.Count ?? 0;
        }

        public FaultSettings Settings { get; }

        public int FailNextRemaining => Volatile.Read(ref _failNextRemaining);

        public bool Applies(string email, string method) =>
            (Settings.Users.Count == 0 || Settings.Users.Contains(email, StringComparer.OrdinalIgnoreCase))
            && (Settings.Methods.Count == 0 || Settings.Methods.Any(m => SameMethod(m, method)));

        public int? TakeFailNext()
        {
            while (true)
            {
                var left = Volatile.Read(ref _failNextRemaining);
                if (left <= 0)
                {
                    return null;
                }

                if (Interlocked.CompareExchange(ref _failNextRemaining, left - 1, left) == left)
                {
                    return Settings.FailNext!.StatusCode;
                }
            }
        }

        public bool InBurst(TimeProvider time)
        {
            if (Settings.RateLimitBurst is not { } burst)
            {
                return false;
            }

            var sinceEpoch = time.GetElapsedTime(_epoch);
            return sinceEpoch.Ticks % burst.Every.Ticks < burst.Duration.Ticks;
        }

        public int? DrawErrorStatus()
        {
            if (_rates.Count == 0)
            {
                return null;
            }

            var draw = Draw();
            var cumulative = 0.0;
            foreach (var (status, rate) in _rates)
            {
                cumulative += rate;
                if (draw < cumulative)
                {
                    return status;
                }
            }

            return null;
        }

        public double Draw()
        {
            if (_seeded is null)
            {
                return Random.Shared.NextDouble();
            }

            lock (_randomLock)
            {
                return _seeded.NextDouble();
            }
        }

        // "messages.get" matches "gmail.users.messages.get" and the other way round.
        private static bool SameMethod(string configured, string method) =>
            string.Equals(configured, method, StringComparison.OrdinalIgnoreCase)
            || method.EndsWith("." + configured, StringComparison.OrdinalIgnoreCase)
            || configured.EndsWith("." + method, StringComparison.OrdinalIgnoreCase);
    }
}
