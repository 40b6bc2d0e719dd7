using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Push;

/// <summary>One Pub/Sub message on its way to a push endpoint. Redeliveries keep the message id and publish time.</summary>
public sealed record PushJob(string Topic, string Email, ulong HistoryId, string MessageId, DateTimeOffset PublishTime, int Attempt);

/// <summary>Counts of the push pipeline, for tests and the admin API.</summary>
public sealed record PushStatistics(long Published, long Coalesced, long Delivered, long FailedAttempts, long GivenUp, long Dropped, long Undeliverable);

/// <summary>
/// Publishes Gmail notifications onto a bounded queue that <see cref="PushDeliveryService"/> drains. Enforces
/// "at most one notification per user per second": a change inside the window is held back and, when the
/// window ends, one notification with the latest history id goes out (Gmail drops the extras; delivering the
/// latest keeps clients from missing the last change). Never blocks the caller.
/// </summary>
public sealed class PushNotifier : IEmulatorResettable, IDisposable
{
    public const string MeterName = "GmailAutomation.GmailEmulator.Push";

    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<PushOptions> _options;
    private readonly Channel<PushJob> _queue;
    private readonly ConcurrentDictionary<string, UserWindow> _windows = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<ITimer, byte> _retryTimers = new();
    private long _nextMessageId = Random.Shared.NextInt64(1_000_000_000_000_000, 9_000_000_000_000_000);
    private long _published;
    private long _coalesced;
    private long _delivered;
    private long _failedAttempts;
    private long _givenUp;
    private long _dropped;
    private long _undeliverable;
    private readonly Counter<long> _outcomes;

    public PushNotifier(TimeProvider time, IOptionsMonitor<PushOptions> options, IMeterFactory meters)
    {
        _time = time;
        _options = options;
        _outcomes = meters.Create(MeterName).CreateCounter<long>(
            "gmail_emulator.push.notifications", "{notification}", "Push notifications by outcome (published, coalesced, delivered, failed_attempt, given_up, dropped, undeliverable).");
        _queue = Channel.CreateBounded<PushJob>(new BoundedChannelOptions(options.CurrentValue.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    public ChannelReader<PushJob> Reader => _queue.Reader;

    /// <summary>Publishes a notification for <paramref name="watch"/>, or folds it into the one already waiting.</summary>
    public void Publish(WatchState watch, ulong historyId)
    {
        var window = _windows.GetOrAdd(watch.Email, static _ => new UserWindow());
        var interval = _options.CurrentValue.MinNotificationInterval;
        lock (window.Lock)
        {
            if (window.Timer is not null)
            {
                window.PendingHistoryId = Math.Max(window.PendingHistoryId, historyId);
                window.PendingWatch = watch;
                Count(ref _coalesced, "coalesced");
                return;
            }

            var now = _time.GetUtcNow();
            if (window.LastPublished is not { } last || now - last >= interval)
            {
                window.LastPublished = now;
                Enqueue(watch, historyId, now);
                return;
            }

            window.PendingHistoryId = historyId;
            window.PendingWatch = watch;
            window.Timer = _time.CreateTimer(FlushWindow, window, last + interval - now, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Drops a held-back notification of <paramref name="email"/> (the watch was stopped).</summary>
    public void Forget(string email)
    {
        if (_windows.TryRemove(email, out var window))
        {
            lock (window.Lock)
            {
                window.Timer?.Dispose();
                window.Timer = null;
                window.PendingWatch = null;
            }
        }
    }

    /// <summary>Puts a failed delivery back on the queue after <paramref name="delay"/>.</summary>
    public void ScheduleRetry(PushJob job, TimeSpan delay)
    {
        ITimer? timer = null;
        timer = _time.CreateTimer(
            state =>
            {
                if (timer is not null && _retryTimers.TryRemove(timer, out _))
                {
                    timer.Dispose();
                    Write(job);
                }
            },
            null,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        _retryTimers[timer] = 0;
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    public void CountDelivered() => Count(ref _delivered, "delivered");

    public void CountFailedAttempt() => Count(ref _failedAttempts, "failed_attempt");

    public void CountGivenUp() => Count(ref _givenUp, "given_up");

    public void CountUndeliverable() => Count(ref _undeliverable, "undeliverable");

    public PushStatistics Statistics() => new(
        Interlocked.Read(ref _published), Interlocked.Read(ref _coalesced), Interlocked.Read(ref _delivered),
        Interlocked.Read(ref _failedAttempts), Interlocked.Read(ref _givenUp), Interlocked.Read(ref _dropped), Interlocked.Read(ref _undeliverable));

    /// <summary>Forgets held-back notifications, pending retries, queued messages and the counters.</summary>
    public void Reset()
    {
        foreach (var email in _windows.Keys)
        {
            Forget(email);
        }

        foreach (var timer in _retryTimers.Keys)
        {
            if (_retryTimers.TryRemove(timer, out _))
            {
                timer.Dispose();
            }
        }

        while (_queue.Reader.TryRead(out _))
        {
        }

        Interlocked.Exchange(ref _published, 0);
        Interlocked.Exchange(ref _coalesced, 0);
        Interlocked.Exchange(ref _delivered, 0);
        Interlocked.Exchange(ref _failedAttempts, 0);
        Interlocked.Exchange(ref _givenUp, 0);
        Interlocked.Exchange(ref _dropped, 0);
        Interlocked.Exchange(ref _undeliverable, 0);
    }

    public void Dispose()
    {
        Reset();
        _queue.Writer.TryComplete();
    }

    private void FlushWindow(object? state)
    {
        var window = (UserWindow)state!;
        WatchState? watch;
        ulong historyId;
        DateTimeOffset now;
        lock (window.Lock)
        {
            if (window.Timer is null || window.PendingWatch is null)
            {
                return;
            }

            window.Timer.Dispose();
            window.Timer = null;
            now = _time.GetUtcNow();
            window.LastPublished = now;
            watch = window.PendingWatch;
            historyId = window.PendingHistoryId;
            window.PendingWatch = null;
        }

        Enqueue(watch, historyId, now);
    }

    private void Enqueue(WatchState watch, ulong historyId, DateTimeOffset now)
    {
        var messageId = Interlocked.Increment(ref _nextMessageId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Count(ref _published, "published");
        Write(new PushJob(watch.TopicName, watch.Email, historyId, messageId, now, Attempt: 1));
    }

    private void Write(PushJob job)
    {
        if (!_queue.Writer.TryWrite(job))
        {
            Count(ref _dropped, "dropped");
        }
    }

    private void Count(ref long field, string outcome)
    {
        Interlocked.Increment(ref field);
        _outcomes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }

    private sealed class UserWindow
    {
        public Lock Lock { get; } = new();
        public DateTimeOffset? LastPublished { get; set; }
        public ulong PendingHistoryId { get; set; }
        public WatchState? PendingWatch { get; set; }
        public ITimer? Timer { get; set; }
    }
}
