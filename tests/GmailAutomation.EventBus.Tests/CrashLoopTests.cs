using System.Collections.Concurrent;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.EventBus.RabbitMq;
using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace GmailAutomation.EventBus.Tests;

/// <summary>
/// A message whose handling never ends in its process (the process dies or hangs on it and is restarted) is handed
/// out again by the broker without any count, so it would come back after every restart and hold up the queue. The
/// bus moves such redeliveries to a quarantine queue that it reads one message at a time, counts how often the
/// message was held there when its consumer went away, and parks it in the dead-letter queue at the limit (3).
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class CrashLoopTests(BrokerFixture broker)
{
    [Fact]
    public async Task A_message_its_consumer_never_gets_past_is_dead_lettered_after_three_restarts_and_the_others_are_handled()
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("stuck");
        var stuck = new AccountConnected { AccountId = Guid.NewGuid(), EmailAddress = StuckHandler.Poison };
        var others = Enumerable.Range(0, 5).Select(i => new AccountConnected { AccountId = Guid.NewGuid(), EmailAddress = $"user{i}@example.com" }).ToList();
        var state = new StuckHandler.State();
        void Subscribe(IEventBusBuilder subscriptions)
        {
            subscriptions.Services.AddSingleton(state);
            subscriptions.AddSubscription<AccountConnected, StuckHandler>();
        }

        // Each host plays one run of the service: it gets stuck on the message and is then stopped (as a restart,
        // a deploy or a kill would end it), which hands the message back to the broker unsettled.
        var process = await bus.StartHostAsync(queue, Subscribe);
        await using (var publisher = await bus.StartHostAsync(TestBus.NewQueueName("publisher")))
        {
            foreach (var @event in others.Prepend(stuck))
            {
                await publisher.Services.GetRequiredService<IEventBus>().PublishAsync(@event);
            }
        }

        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync();
        BasicGetResult? dead = null;
        var runs = 1;
        try
        {
            while (dead is null)
            {
                // Run n gets stuck for the n-th time, or parks the message.
                var limit = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
                while (dead is null && state.StuckRuns < runs)
                {
                    Assert.True(DateTimeOffset.UtcNow < limit, $"run {runs} neither got stuck on the message nor dead-lettered it");
                    await Task.Delay(100);
                    dead = await channel.BasicGetAsync(RabbitMqTopology.DeadLetterQueue(queue), autoAck: true);
                }

                if (dead is null)
                {
                    Assert.True(runs < 8, "the message was never dead-lettered");
                    await process.DisposeAsync();
                    process = await bus.StartHostAsync(queue, Subscribe);
                    runs++;
                }
            }

            Assert.Equal(stuck.Id.ToString(), dead.BasicProperties.MessageId);
            Assert.Contains("stopped without settling it 3 times", MessageHeaders.GetString(dead.BasicProperties.Headers, MessageHeaders.FailureReason), StringComparison.Ordinal);

            // The first run gave it back from the main queue (not counted: many messages may be in flight then); three
            // more runs got stuck on it alone in quarantine; the fifth parked it.
            Assert.Equal(4, state.StuckRuns);
            Assert.Equal(5, runs);

            // Every other message was handled, and nothing is left behind.
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
            while (!others.All(o => state.Handled.ContainsKey(o.Id)))
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, $"only {state.Handled.Count} of {others.Count} other messages were handled");
                await Task.Delay(50);
            }

            Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(queue)).MessageCount);
            Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(RabbitMqTopology.QuarantineQueue(queue))).MessageCount);
        }
        finally
        {
            await process.DisposeAsync();
        }
    }
}

/// <summary>Records ordinary messages; never gets past the poison one (until the host stops it).</summary>
public sealed class StuckHandler(StuckHandler.State state) : IIntegrationEventHandler<AccountConnected>
{
    public const string Poison = "stuck@example.com";

    public async Task Handle(AccountConnected @event, CancellationToken cancellationToken)
    {
        if (@event.EmailAddress != Poison)
        {
            state.Handled.TryAdd(@event.Id, 0);
            return;
        }

        Interlocked.Increment(ref state.StuckCount);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    /// <summary>Shared by every run of the service in a test.</summary>
    public sealed class State
    {
        public int StuckCount;

        public int StuckRuns => Volatile.Read(ref StuckCount);

        public ConcurrentDictionary<Guid, byte> Handled { get; } = new();
    }
}
