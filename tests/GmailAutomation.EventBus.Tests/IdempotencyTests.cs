using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.EventBus.Idempotency;
using GmailAutomation.IntegrationEvents;
using StackExchange.Redis;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.EventBus.Tests;

[Collection(BrokerCollection.Name)]
public sealed class IdempotencyTests(BrokerFixture broker)
{
    [Fact]
    public async Task Duplicate_deliveries_of_one_event_run_the_effect_once()
    {
        var bus = new TestBus(broker);
        bus.Probe.EffectDuration = TimeSpan.FromMilliseconds(300);
        var queue = TestBus.NewQueueName("idempotent");
        using var counters = new BusCounters(queue);
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<EmailClassified, OncePerMessageHandler>(), maxDeliveryAttempts: 10);
        var eventBus = host.Services.GetRequiredService<IEventBus>();

        // The same event three times (a producer that retried), two of them while the first is still running.
        var classified = SampleEvents.EmailClassified(Guid.NewGuid(), "msg-001");
        await eventBus.PublishAsync(classified);
        await eventBus.PublishAsync(classified);
        await eventBus.PublishAsync(classified);

        await counters.WaitForAsync("eventbus.messages.consumed", 3);
        Assert.Equal(1, bus.Probe.Effects);
        Assert.Equal(2, counters["eventbus.events.duplicates_skipped"]);
        Assert.Equal(0, counters["eventbus.messages.dead_lettered"]);

        // A different event asking for the same effect (same account, message and stage) is a duplicate too.
        await eventBus.PublishAsync(classified with { Id = Guid.NewGuid() });
        await counters.WaitForAsync("eventbus.messages.consumed", 4);
        Assert.Equal(1, bus.Probe.Effects);

        // Another message of the same account is new work.
        await eventBus.PublishAsync(SampleEvents.EmailClassified(classified.AccountId, "msg-002"));
        await counters.WaitForAsync("eventbus.messages.consumed", 5);
        Assert.Equal(2, bus.Probe.Effects);
    }

    [Fact]
    public async Task Failed_effect_is_not_marked_processed_so_the_retry_runs_it()
    {
        var bus = new TestBus(broker);
        bus.Probe.FailuresBeforeSuccess = 1;
        var queue = TestBus.NewQueueName("idempotent-retry");
        using var counters = new BusCounters(queue);
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<EmailClassified, OncePerMessageHandler>());

        var classified = SampleEvents.EmailClassified(Guid.NewGuid(), "msg-900");
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(classified);

        var seen = await bus.Probe.NextAsync();
        Assert.Equal(classified.Id, seen.Event.Id);
        await counters.WaitForAsync("eventbus.messages.consumed", 1);
        Assert.Equal(2, bus.Probe.Attempts.Count);
        Assert.Equal(1, bus.Probe.Effects);
        Assert.Equal(1, counters["eventbus.messages.retried"]);
        Assert.Equal(0, counters["eventbus.events.duplicates_skipped"]);
    }

    [Fact]
    public async Task Claims_expire_after_a_crash_and_only_their_owner_can_release_them()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(broker.Redis.ConnectionString);
        var store = new RedisProcessedEventStore(redis);
        var key = $"processed:store-test:{Guid.NewGuid():N}";

        var claimed = System.Diagnostics.Stopwatch.StartNew();
        var first = await store.TryClaimAsync(key, TimeSpan.FromSeconds(3), CancellationToken.None);
        Assert.Equal(ClaimOutcome.Claimed, first.Outcome);
        var rival = await store.TryClaimAsync(key, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(ClaimOutcome.InProgress, rival.Outcome);

        // The rival's release must not free a claim it does not hold.
        await store.ReleaseAsync(rival, CancellationToken.None);
        Assert.Equal(ClaimOutcome.InProgress, (await store.TryClaimAsync(key, TimeSpan.FromSeconds(5), CancellationToken.None)).Outcome);

        // The holder crashed: once its claim expires, a later delivery may run the effect.
        ProcessingClaim retry;
        do
        {
            Assert.True(claimed.Elapsed < TimeSpan.FromSeconds(15), "the crashed holder's claim never expired");
            await Task.Delay(100);
            retry = await store.TryClaimAsync(key, TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        while (retry.Outcome != ClaimOutcome.Claimed);
        Assert.True(claimed.Elapsed >= TimeSpan.FromSeconds(2.5), $"claimed again after {claimed.Elapsed}, before the claim timeout");

        await store.CompleteAsync(retry, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(ClaimOutcome.AlreadyProcessed, (await store.TryClaimAsync(key, TimeSpan.FromSeconds(5), CancellationToken.None)).Outcome);
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));

        // A released claim is free at once.
        var otherKey = key + ":other";
        var claim = await store.TryClaimAsync(otherKey, TimeSpan.FromMinutes(5), CancellationToken.None);
        await store.ReleaseAsync(claim, CancellationToken.None);
        Assert.Equal(ClaimOutcome.Claimed, (await store.TryClaimAsync(otherKey, TimeSpan.FromMinutes(5), CancellationToken.None)).Outcome);
    }
}
