using System.Diagnostics;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.EventBus.RabbitMq;
using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace GmailAutomation.EventBus.Tests;

[Collection(BrokerCollection.Name)]
public sealed class LifecycleTests(BrokerFixture broker)
{
    [Fact]
    public async Task Stopping_lets_the_handler_in_progress_finish_and_acknowledge()
    {
        var bus = new TestBus(broker);
        bus.Probe.EffectDuration = TimeSpan.FromMilliseconds(800);
        var queue = TestBus.NewQueueName("graceful");
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<PreferencesChanged, SlowHandler<PreferencesChanged>>());

        var sent = new PreferencesChanged { AccountId = Guid.NewGuid(), Revision = 3, Preferences = new AccountPreferences { Tone = "formal" } };
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(sent);
        await WaitUntilAsync(() => bus.Probe.Attempts.Count == 1);

        var clock = Stopwatch.StartNew();
        await host.StopAsync();
        clock.Stop();

        // The handler was allowed to finish, and the message was acknowledged, not left for redelivery.
        var seen = await bus.Probe.NextAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("formal", ((PreferencesChanged)seen.Event).Preferences.Tone);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(queue)).MessageCount);
        Assert.Equal(HealthStatus.Unhealthy, (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Status);
    }

    [Fact]
    public async Task Consumer_comes_back_when_its_queue_is_deleted_under_it()
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("deleted");
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<ReplyGenerated, RecordingHandler<ReplyGenerated>>());

        await using (var connection = await bus.ConnectRawAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }

        var health = host.Services.GetRequiredService<HealthCheckService>();
        await WaitUntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(15));

        var sent = new ReplyGenerated
        {
            AccountId = Guid.NewGuid(),
            GmailMessageId = "m-7",
            ThreadId = "t-7",
            ReplyText = "Thanks, I will review by Friday.",
            Provider = "template",
            CostUsd = 0m,
        };
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(sent);
        var seen = await bus.Probe.NextAsync();
        Assert.Equal(sent.Id, seen.Event.Id);
    }

    [Fact]
    public async Task Consumer_channel_closed_by_the_broker_for_an_error_is_opened_again()
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("channel-error");
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<ReplyGenerated, RecordingHandler<ReplyGenerated>>());
        var consumer = host.Services.GetRequiredService<RabbitMqEventBusConsumer>();
        var broken = consumer.Channel!;

        // Acknowledging a delivery that never happened is a protocol error: the broker closes the channel (406).
        await broken.BasicAckAsync(deliveryTag: 424242, multiple: false);
        await WaitUntilAsync(() => consumer.Channel is { IsOpen: true } current && !ReferenceEquals(current, broken));
        Assert.False(broken.IsOpen);

        var health = host.Services.GetRequiredService<HealthCheckService>();
        await WaitUntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(15));
        var sent = new ReplyGenerated { AccountId = Guid.NewGuid(), GmailMessageId = "m-8", ThreadId = "t-8", ReplyText = "Noted.", Provider = "template" };
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(sent);
        Assert.Equal(sent.Id, (await bus.Probe.NextAsync()).Event.Id);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()), TimeSpan.FromSeconds(20));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var limit = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > limit)
            {
                throw new TimeoutException("The condition was not met in time.");
            }

            await Task.Delay(50);
        }
    }
}
