using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using GmailAutomation.GmailClient.Quota;
using GmailAutomation.GmailClient.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace GmailAutomation.GmailClient.Tests;

/// <summary>The per-user token bucket, against a real redis-server.</summary>
public class QuotaBucketTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly string prefix = $"quota-test:{Guid.NewGuid():N}:";

    [Fact]
    public async Task A_full_bucket_lets_a_burst_through_then_paces_calls_to_the_refill_rate()
    {
        var quota = Create(redis.Connection, unitsPerSecond: 1000, burst: 100);

        var key = new StackExchange.Redis.RedisKey[] { prefix + "script@example.com" };
        var database = redis.Connection.GetDatabase();
        var total = Stopwatch.StartNew();

        // From a full bucket the first 100 units go at once (refill only ever adds).
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(0L, (long)await database.ScriptEvaluateAsync(RedisGmailQuota.ChargeScript, key, [1000, 100, 5]));
        }

        for (var i = 0; i < 20; i++)
        {
            await quota.AcquireAsync("script@example.com", 5, "messages.get", CancellationToken.None);
        }

        // 200 units from a 100-unit bucket refilled at 1000 units/s cannot take less than 100 ms.
        Assert.True(total.Elapsed >= TimeSpan.FromMilliseconds(95), $"200 units in {total.Elapsed}");
    }

    [Fact]
    public async Task Two_replicas_sharing_one_user_never_exceed_the_budget_and_use_most_of_it()
    {
        // Two independent connections and buckets objects, as two service replicas would have.
        await using var second = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var replicas = new[] { Create(redis.Connection, 200, 50), Create(second, 200, 50) };
        var charged = new ConcurrentQueue<(TimeSpan At, int Units)>();
        var clock = Stopwatch.StartNew();
        var window = TimeSpan.FromSeconds(1.5);

        var workers = Enumerable.Range(0, 16).Select(async worker =>
        {
            var quota = replicas[worker % 2];
            while (clock.Elapsed < window)
            {
                await quota.AcquireAsync("Shared@Example.com", 5, "messages.get", CancellationToken.None);
                charged.Enqueue((clock.Elapsed, 5));
            }
        });
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(20));

        // Units returned by time t were charged by time t: never more than burst + rate · t (+ one call of slack).
        var ordered = charged.OrderBy(c => c.At).ToList();
        var cumulative = 0;
        foreach (var (at, units) in ordered)
        {
            cumulative += units;
            Assert.True(cumulative <= 50 + (200 * at.TotalSeconds) + 5, $"{cumulative} units by {at.TotalMilliseconds:F0} ms");
        }

        var elapsed = ordered[^1].At.TotalSeconds;
        // A sanity floor only (the test machine is shared and busy); the benchmark measures use precisely.
        Assert.True(cumulative >= 0.5 * (50 + (200 * elapsed)), $"only {cumulative} units in {elapsed:F2} s");
    }

    [Fact]
    public async Task Users_have_separate_buckets()
    {
        var quota = Create(redis.Connection, 50, 50);
        await quota.AcquireAsync("busy@example.com", 50, "m", CancellationToken.None);

        var other = await quota.AcquireAsync("idle@example.com", 50, "m", CancellationToken.None);
        var busy = await quota.AcquireAsync("busy@example.com", 25, "m", CancellationToken.None);

        Assert.True(other < TimeSpan.FromMilliseconds(200), $"idle user waited {other}");
        Assert.True(busy >= TimeSpan.FromMilliseconds(400), $"busy user waited only {busy}");
    }

    [Fact]
    public async Task A_charge_larger_than_the_bucket_waits_only_for_the_part_that_does_not_fit()
    {
        var quota = Create(redis.Connection, 1000, 100);

        var big = await quota.AcquireAsync("batch@example.com", 300, "batch", CancellationToken.None);
        var next = await quota.AcquireAsync("batch@example.com", 5, "m", CancellationToken.None);

        // The lower bound is the point (200 units over the burst at 1,000/s); the upper one only catches a wait for far more, with room for a loaded machine.
        Assert.InRange(big, TimeSpan.FromMilliseconds(190), TimeSpan.FromSeconds(3));
        Assert.True(next < TimeSpan.FromMilliseconds(100), $"small call after the batch waited {next}");
    }

    [Fact]
    public async Task A_large_charge_is_not_starved_by_a_stream_of_small_ones()
    {
        var quota = Create(redis.Connection, 1000, 100);
        using var stop = new CancellationTokenSource();
        var small = Enumerable.Range(0, 6).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                await quota.AcquireAsync("mixed@example.com", 5, "messages.get", CancellationToken.None);
            }
        }).ToList();
        await Task.Delay(200);

        var clock = Stopwatch.StartNew();
        await quota.AcquireAsync("mixed@example.com", 100, "batch", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var waited = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(small).WaitAsync(TimeSpan.FromSeconds(10));

        // Queued behind at most six small calls (30 units) plus its own 100 units at 1000 units/s.
        Assert.True(waited < TimeSpan.FromMilliseconds(600), $"the batch waited {waited}");
    }

    [Fact]
    public async Task A_caller_that_gives_up_waiting_returns_its_units()
    {
        var quota = Create(redis.Connection, 10, 10);
        await quota.AcquireAsync("refund@example.com", 10, "m", CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quota.AcquireAsync("refund@example.com", 10, "m", cts.Token).AsTask());
        await Task.Delay(50);

        // Without the refund this would wait for the abandoned 10 units too (about 1.5 s).
        var waited = await quota.AcquireAsync("refund@example.com", 5, "m", CancellationToken.None);

        Assert.InRange(waited, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(1000));
    }

    [Fact]
    public async Task Waiting_for_tokens_can_be_cancelled()
    {
        // Five units to wait for at one unit a second: still seconds away however slowly a loaded machine gets here.
        var quota = Create(redis.Connection, 1, 5);
        await quota.AcquireAsync("slow@example.com", 5, "m", CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quota.AcquireAsync("slow@example.com", 5, "m", cts.Token).AsTask());
    }

    private RedisGmailQuota Create(IConnectionMultiplexer connection, double unitsPerSecond, double burst)
    {
        var options = Options.Create(new GmailClientOptions
        {
            Quota = new GmailQuotaOptions { UnitsPerSecond = unitsPerSecond, BurstUnits = burst, KeyPrefix = prefix },
        });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new RedisGmailQuota(connection, options, new GmailClientMetrics(meters), TimeProvider.System);
    }
}
