using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.Quota;
using GmailAutomation.GmailEmulator.Tests.GoogleSide;

namespace GmailAutomation.GmailEmulator.Tests;

/// <summary>Per-user token bucket and concurrency cap (API-SUBSET §10), on a fake clock.</summary>
public sealed class QuotaGateTests
{
    private const string Alice = "alice@example.com";
    private const string Bob = "bob@example.com";

    [Fact]
    public async Task Bucket_refuses_calls_beyond_its_capacity_and_refills_at_the_configured_rate()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:UnitsPerSecond", "10"), ("Emulator:Quota:BurstSeconds", "2"));
        var quota = google.Get<IQuotaGate>();

        // Capacity = 10 units/s × 2 s = 20 units: four messages.get (5 units each) pass, the fifth does not.
        for (var i = 0; i < 4; i++)
        {
            var (decision, lease) = quota.TryAcquire(Alice, 5);
            Assert.Equal(QuotaDecision.Allowed, decision);
            lease!.Dispose();
        }

        Assert.Equal(QuotaDecision.RateLimited, quota.TryAcquire(Alice, 5).Decision);

        google.Time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(QuotaDecision.RateLimited, quota.TryAcquire(Alice, 5).Decision);

        google.Time.Advance(TimeSpan.FromMilliseconds(100));
        var (afterRefill, refillLease) = quota.TryAcquire(Alice, 5);
        Assert.Equal(QuotaDecision.Allowed, afterRefill);
        refillLease!.Dispose();

        var snapshot = google.Get<QuotaGate>().Snapshot(Alice);
        Assert.Equal(25, snapshot.UnitsCharged);
        Assert.Equal(5, snapshot.CallsAllowed);
        Assert.Equal(2, snapshot.RateLimited);
        Assert.Equal(20, snapshot.Capacity);
    }

    [Fact]
    public async Task Users_have_separate_buckets()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:Capacity", "100"));
        var quota = google.Get<IQuotaGate>();

        quota.TryAcquire(Alice, 100).Lease!.Dispose();
        Assert.Equal(QuotaDecision.RateLimited, quota.TryAcquire(Alice, 1).Decision);
        Assert.Equal(QuotaDecision.Allowed, quota.TryAcquire(Bob, 100).Decision);
    }

    [Fact]
    public async Task Bucket_never_holds_more_than_its_capacity_after_a_long_idle_time()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:UnitsPerSecond", "250"), ("Emulator:Quota:Capacity", "300"));
        var quota = google.Get<IQuotaGate>();
        google.Time.Advance(TimeSpan.FromHours(1));

        quota.TryAcquire(Alice, 300).Lease!.Dispose();
        Assert.Equal(QuotaDecision.RateLimited, quota.TryAcquire(Alice, 1).Decision);
    }

    [Fact]
    public async Task A_call_dearer_than_the_bucket_passes_on_a_full_bucket_and_then_must_be_paid_back()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:UnitsPerSecond", "50"), ("Emulator:Quota:Capacity", "50"));
        var gate = google.Get<QuotaGate>();

        // messages.send costs 100 units, more than this bucket holds.
        Assert.Equal(QuotaDecision.Allowed, gate.TryAcquire(Alice, 100).Decision);
        Assert.Equal(QuotaDecision.RateLimited, gate.TryAcquire(Alice, 1).Decision);
        Assert.Equal(TimeSpan.FromSeconds(1.02), gate.RetryAfter(Alice, 1));

        google.Time.Advance(TimeSpan.FromSeconds(1.02));
        Assert.Equal(QuotaDecision.Allowed, gate.TryAcquire(Alice, 1).Decision);
    }

    [Fact]
    public async Task Concurrency_cap_refuses_a_call_while_the_user_has_too_many_in_flight()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:MaxConcurrentRequestsPerUser", "2"));
        var quota = google.Get<IQuotaGate>();

        var first = quota.TryAcquire(Alice, 1).Lease!;
        var second = quota.TryAcquire(Alice, 1).Lease!;
        Assert.Equal(QuotaDecision.TooManyConcurrent, quota.TryAcquire(Alice, 1).Decision);
        Assert.Equal(QuotaDecision.Allowed, quota.TryAcquire(Bob, 1).Decision);

        // Disposing a lease twice must not free two slots.
        first.Dispose();
        first.Dispose();
        var third = quota.TryAcquire(Alice, 1).Lease!;
        Assert.Equal(QuotaDecision.TooManyConcurrent, quota.TryAcquire(Alice, 1).Decision);

        second.Dispose();
        third.Dispose();
        Assert.Equal(0, google.Get<QuotaGate>().Snapshot(Alice).InFlight);
        Assert.Equal(2, google.Get<QuotaGate>().Snapshot(Alice).TooManyConcurrent);
    }

    [Fact]
    public async Task Disabled_quota_lets_everything_through_but_still_counts_units()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:Enabled", "false"), ("Emulator:Quota:Capacity", "10"), ("Emulator:Quota:MaxConcurrentRequestsPerUser", "1"));
        var quota = google.Get<IQuotaGate>();

        var leases = Enumerable.Range(0, 20).Select(_ => quota.TryAcquire(Alice, 100)).ToList();
        Assert.All(leases, l => Assert.Equal(QuotaDecision.Allowed, l.Decision));
        Assert.Equal(2000, google.Get<QuotaGate>().Snapshot(Alice).UnitsCharged);
    }

    [Fact]
    public async Task Parallel_callers_are_charged_exactly_and_release_every_slot()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:Capacity", "1000000"), ("Emulator:Quota:MaxConcurrentRequestsPerUser", "1000"));
        var quota = google.Get<IQuotaGate>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                var (decision, lease) = quota.TryAcquire(Alice, 5);
                Assert.Equal(QuotaDecision.Allowed, decision);
                lease!.Dispose();
            }
        })));

        var snapshot = google.Get<QuotaGate>().Snapshot(Alice);
        Assert.Equal(8 * 2000 * 5, snapshot.UnitsCharged);
        Assert.Equal(0, snapshot.InFlight);
        Assert.Equal(1_000_000 - (8 * 2000 * 5), snapshot.AvailableUnits, precision: 6);
    }

    [Fact]
    public async Task Reset_refills_buckets_and_clears_counters()
    {
        await using var google = GoogleSideServices.Create(("Emulator:Quota:Capacity", "10"));
        var quota = google.Get<IQuotaGate>();
        quota.TryAcquire(Alice, 10).Lease!.Dispose();
        Assert.Equal(QuotaDecision.RateLimited, quota.TryAcquire(Alice, 10).Decision);

        foreach (var resettable in google.GetAll<IEmulatorResettable>())
        {
            resettable.Reset();
        }

        Assert.Equal(QuotaDecision.Allowed, quota.TryAcquire(Alice, 10).Decision);
        Assert.Equal(1, google.Get<QuotaGate>().Snapshot(Alice).CallsAllowed);
    }
}
