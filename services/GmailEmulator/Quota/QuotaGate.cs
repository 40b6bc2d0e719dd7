using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Quota;

/// <summary>What the emulator has counted for one user (admin <c>GET /emulator/quota/{email}</c>).</summary>
public sealed record QuotaSnapshot(
    string Email,
    long UnitsCharged,
    long CallsAllowed,
    long RateLimited,
    long TooManyConcurrent,
    double AvailableUnits,
    double Capacity,
    double UnitsPerSecond,
    int InFlight,
    int MaxConcurrentRequests);

/// <summary>
/// Per-user token bucket in Gmail's quota units plus a per-user concurrency cap. Each user has a small lock
/// held only for a few arithmetic operations; users never contend with each other.
/// </summary>
public sealed class QuotaGate : IQuotaGate, IEmulatorResettable
{
    public const string MeterName = "GmailAutomation.GmailEmulator.Quota";

    private readonly ConcurrentDictionary<string, UserBucket> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<QuotaOptions> _options;
    private readonly Counter<long> _unitsCharged;
    private readonly Counter<long> _rejected;

    public QuotaGate(TimeProvider time, IOptionsMonitor<QuotaOptions> options, IMeterFactory meters)
    {
        _time = time;
        _options = options;
        var meter = meters.Create(MeterName);
        _unitsCharged = meter.CreateCounter<long>("gmail_emulator.quota.units_charged", "{unit}", "Quota units charged to users.");
        _rejected = meter.CreateCounter<long>("gmail_emulator.quota.rejected", "{call}", "Calls refused by the quota gate, by reason.");
    }

    public (QuotaDecision Decision, IDisposable? Lease) TryAcquire(string email, int units)
    {
        var options = _options.CurrentValue;
        var bucket = _buckets.GetOrAdd(email, static (_, state) => new UserBucket(state.Capacity, state.Now), (Capacity: options.EffectiveCapacity, Now: _time.GetTimestamp()));
        var decision = bucket.TryTake(units, options, _time);
        switch (decision)
        {
            case QuotaDecision.Allowed:
                _unitsCharged.Add(units);
                return (decision, new Lease(bucket));
            case QuotaDecision.RateLimited:
                _rejected.Add(1, new KeyValuePair<string, object?>("reason", "rateLimitExceeded"));
                return (decision, null);
            default:
                _rejected.Add(1, new KeyValuePair<string, object?>("reason", "tooManyConcurrent"));
                return (decision, null);
        }
    }

    /// <summary>How long until <paramref name="units"/> would be available to <paramref name="email"/> (for Retry-After).</summary>
    public TimeSpan RetryAfter(string email, int units)
    {
        var options = _options.CurrentValue;
        if (!_buckets.TryGetValue(email, out var bucket))
        {
            return TimeSpan.Zero;
        }

        var missing = Math.Min(units, options.EffectiveCapacity) - bucket.Available(options, _time);
        return missing <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(missing / options.UnitsPerSecond);
    }

    public QuotaSnapshot Snapshot(string email)
    {
        var options = _options.CurrentValue;
        if (!_buckets.TryGetValue(email, out var bucket))
        {
            return new QuotaSnapshot(email, 0, 0, 0, 0, options.EffectiveCapacity, options.EffectiveCapacity, options.UnitsPerSecond, 0, options.MaxConcurrentRequestsPerUser);
        }

        return bucket.Snapshot(email, options, _time);
    }

    public void Reset() => _buckets.Clear();

    private sealed class UserBucket(double capacity, long timestamp)
    {
        private readonly Lock _lock = new();
        private double _tokens = capacity;
        private long _lastRefill = timestamp;
        private int _inFlight;
        private long _unitsCharged;
        private long _allowed;
        private long _rateLimited;
        private long _tooManyConcurrent;

        public QuotaDecision TryTake(int units, QuotaOptions options, TimeProvider time)
        {
            lock (_lock)
            {
                Refill(options, time);
                if (options.Enabled && _inFlight >= options.MaxConcurrentRequestsPerUser)
                {
                    _tooManyConcurrent++;
                    return QuotaDecision.TooManyConcurrent;
                }

                // A call dearer than the whole bucket still goes through once the bucket is full (it then runs into debt).
                if (options.Enabled && _tokens < Math.Min(units, options.EffectiveCapacity))
                {
                    _rateLimited++;
                    return QuotaDecision.RateLimited;
                }

                _tokens -= units;
                _inFlight++;
                _unitsCharged += units;
                _allowed++;
                return QuotaDecision.Allowed;
            }
        }

        public void Release()
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }

        public double Available(QuotaOptions options, TimeProvider time)
        {
            lock (_lock)
            {
                Refill(options, time);
                return _tokens;
            }
        }

        public QuotaSnapshot Snapshot(string email, QuotaOptions options, TimeProvider time)
        {
            lock (_lock)
            {
                Refill(options, time);
                return new QuotaSnapshot(email, _unitsCharged, _allowed, _rateLimited, _tooManyConcurrent, _tokens,
                    options.EffectiveCapacity, options.UnitsPerSecond, _inFlight, options.MaxConcurrentRequestsPerUser);
            }
        }

        private void Refill(QuotaOptions options, TimeProvider time)
        {
            var now = time.GetTimestamp();
            var elapsed = time.GetElapsedTime(_lastRefill, now);
            _lastRefill = now;
            if (elapsed > TimeSpan.Zero)
            {
                _tokens = Math.Min(options.EffectiveCapacity, _tokens + (elapsed.TotalSeconds * options.UnitsPerSecond));
            }
        }
    }

    private sealed class Lease(UserBucket bucket) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                bucket.Release();
            }
        }
    }
}
