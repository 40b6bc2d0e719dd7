using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
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
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<EmailClassified, OncePerMessageHandler>(), maxDeliveryAttempts: 5);
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
}
