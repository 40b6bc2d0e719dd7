using Xunit.Abstractions;
using GmailAutomation.Common.Errors;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace GmailAutomation.EventBus.Tests;

[Collection(BrokerCollection.Name)]
public sealed class BrokerRestartTests(BrokerFixture broker, ITestOutputHelper output)
{
    [Fact]
    public async Task Nothing_is_lost_across_a_broker_restart_and_running_services_consume_and_publish_again()
    {
        var bus = new TestBus(broker);

        // A service that is down while the event is published: its durable queue must keep it.
        var offlineQueue = TestBus.NewQueueName("offline");
        await using (var offline = await bus.StartHostAsync(offlineQueue, b => b.AddSubscription<SyncCompleted, RecordingHandler<SyncCompleted>>()))
        {
            await offline.StopAsync();
        }

        // A service that keeps running through the restart.
        var runningQueue = TestBus.NewQueueName("running");
        await using var running = await bus.StartHostAsync(runningQueue, b => b.AddSubscription<DraftCreated, RecordingHandler<DraftCreated>>());
        await using var publisher = await bus.StartHostAsync(TestBus.NewQueueName("publisher"));
        var eventBus = publisher.Services.GetRequiredService<IEventBus>();

        var beforeRestart = new SyncCompleted { AccountId = Guid.NewGuid(), Kind = EmailSyncSources.Incremental, HistoryId = 4242, MessagesSynced = 3 };
        await eventBus.PublishAsync(beforeRestart);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await broker.RabbitMq.StopAsync();

        // While the broker is away: publishing fails loudly after its bounded retries, and the running
        // service reports itself unhealthy.
        var whileDown = new AccountDisconnected { AccountId = Guid.NewGuid(), Reason = AccountDisconnectReasons.UserRequested };
        var failure = await Assert.ThrowsAsync<ExternalServiceException>(() => eventBus.PublishAsync(whileDown));
        Assert.Equal("rabbitmq", failure.Service);
        Assert.Contains(whileDown.Id.ToString(), failure.Failure, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, (await running.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Status);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} publishing gave up at {clock.Elapsed}");

        await broker.RabbitMq.StartAgainAsync();
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} broker restarted in {clock.Elapsed}");

        // The running service publishes and consumes again once its connection has recovered.
        var afterRestart = new DraftCreated
        {
            AccountId = Guid.NewGuid(),
            GmailMessageId = "m-1",
            ThreadId = "t-1",
            DraftId = "r-5531",
            DraftMessageId = "m-2",
        };
        await eventBus.PublishAsync(afterRestart);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} published after restart at {clock.Elapsed}");
        var consumedByRunning = await bus.Probe.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(afterRestart.Id, consumedByRunning.Event.Id);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} consumed by the running service at {clock.Elapsed}");
        Assert.Equal(HealthStatus.Healthy, (await running.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Status);

        // The service that was down finds the event published before the restart.
        await using var offlineAgain = await bus.StartHostAsync(offlineQueue, b => b.AddSubscription<SyncCompleted, RecordingHandler<SyncCompleted>>());
        var consumedAfterRestart = await bus.Probe.NextAsync(TimeSpan.FromSeconds(30));
        var received = Assert.IsType<SyncCompleted>(consumedAfterRestart.Event);
        Assert.Equal(beforeRestart.Id, received.Id);
        Assert.Equal(4242UL, received.HistoryId);
    }
}
