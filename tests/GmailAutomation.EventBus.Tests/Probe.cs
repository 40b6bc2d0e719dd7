using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus.Tests;

/// <summary>What a handler saw while it ran.</summary>
public sealed record Observation(IntegrationEvent Event, string? CorrelationId, ActivityTraceId TraceId, ActivitySpanId ParentSpanId, DateTimeOffset At);

/// <summary>Shared between a test and the handlers of its host: what the handlers saw, how often they ran, and how they should fail.</summary>
public sealed class Probe
{
    private readonly Channel<Observation> _observations = Channel.CreateUnbounded<Observation>();
    private readonly ConcurrentQueue<DateTimeOffset> _attempts = new();
    private int _effects;

    /// <summary>How many calls of a failing handler throw before it succeeds (int.MaxValue: always).</summary>
    public int FailuresBeforeSuccess { get; set; }

    /// <summary>Time an idempotent handler's effect takes, so duplicates overlap.</summary>
    public TimeSpan EffectDuration { get; set; }

    public int Effects => Volatile.Read(ref _effects);

    public IReadOnlyCollection<DateTimeOffset> Attempts => _attempts;

    public void Observe(IntegrationEvent @event) =>
        _observations.Writer.TryWrite(new Observation(
            @event,
            Common.Correlation.CorrelationId.Current,
            Activity.Current?.TraceId ?? default,
            Activity.Current?.ParentSpanId ?? default,
            DateTimeOffset.UtcNow));

    /// <summary>Counts a call; returns true when this call should fail.</summary>
    public bool Attempt()
    {
        _attempts.Enqueue(DateTimeOffset.UtcNow);
        return _attempts.Count <= FailuresBeforeSuccess;
    }

    public void CountEffect() => Interlocked.Increment(ref _effects);

    public async Task<Observation> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            return await _observations.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No event reached the handler in time.");
        }
    }

    /// <summary>True when nothing arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> StaysEmptyAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            await _observations.Reader.WaitToReadAsync(cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
