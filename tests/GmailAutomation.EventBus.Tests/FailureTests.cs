using System.Globalization;
using System.Text;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.EventBus.RabbitMq;
using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace GmailAutomation.EventBus.Tests;

[Collection(BrokerCollection.Name)]
public sealed class FailureTests(BrokerFixture broker)
{
    [Fact]
    public async Task Handler_that_keeps_failing_is_retried_with_backoff_then_dead_lettered_with_the_reason()
    {
        var bus = new TestBus(broker);
        bus.Probe.FailuresBeforeSuccess = int.MaxValue;
        var queue = TestBus.NewQueueName("failing");
        using var counters = new BusCounters(queue);
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<AccountConnected, FlakyHandler<AccountConnected>>(), maxDeliveryAttempts: 3);

        var sent = new AccountConnected { AccountId = Guid.NewGuid(), EmailAddress = "me@example.com" };
        var before = DateTimeOffset.UtcNow;
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(sent);

        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync();
        var dead = await bus.GetMessageAsync(channel, RabbitMqTopology.DeadLetterQueue(queue));
        var headers = dead.BasicProperties.Headers;

        // Kept whole: the same event, with why and when it failed.
        Assert.Equal(sent.Id.ToString(), dead.BasicProperties.MessageId);
        Assert.Equal("AccountConnected", dead.BasicProperties.Type);
        Assert.Equal(DeliveryModes.Persistent, dead.BasicProperties.DeliveryMode);
        Assert.Contains(sent.Id.ToString(), Encoding.UTF8.GetString(dead.Body.Span), StringComparison.Ordinal);
        Assert.Equal($"The classifier exploded on {sent.Id}.", MessageHeaders.GetString(headers, MessageHeaders.FailureReason));
        Assert.Equal(typeof(InvalidOperationException).FullName, MessageHeaders.GetString(headers, MessageHeaders.ExceptionType));
        Assert.Equal(3, MessageHeaders.GetInt32(headers, MessageHeaders.DeliveryAttempts));
        Assert.Equal(queue, MessageHeaders.GetString(headers, MessageHeaders.FailedConsumer));
        Assert.Equal(bus.Exchange, MessageHeaders.GetString(headers, MessageHeaders.OriginalExchange));
        Assert.Equal("AccountConnected", MessageHeaders.GetString(headers, MessageHeaders.OriginalRoutingKey));
        Assert.Equal(sent.CorrelationId, MessageHeaders.GetString(headers, MessageHeaders.CorrelationId));
        var failedAt = DateTimeOffset.Parse(MessageHeaders.GetString(headers, MessageHeaders.FailedAt)!, CultureInfo.InvariantCulture);
        Assert.InRange(failedAt, before, DateTimeOffset.UtcNow);

        // Exactly three attempts, spaced by the configured backoff (200 ms, then 400 ms).
        var attempts = bus.Probe.Attempts.ToArray();
        Assert.Equal(3, attempts.Length);
        Assert.True(attempts[1] - attempts[0] >= TimeSpan.FromMilliseconds(150), $"first retry after {attempts[1] - attempts[0]}");
        Assert.True(attempts[2] - attempts[1] >= TimeSpan.FromMilliseconds(300), $"second retry after {attempts[2] - attempts[1]}");

        Assert.Equal(3, counters["eventbus.messages.failed"]);
        Assert.Equal(2, counters["eventbus.messages.retried"]);
        Assert.Equal(1, counters["eventbus.messages.dead_lettered"]);
        Assert.Equal(0, counters["eventbus.messages.consumed"]);

        // Nothing is left behind in the work queue.
        var remaining = await channel.QueueDeclarePassiveAsync(queue);
        Assert.Equal(0u, remaining.MessageCount);
    }

    [Fact]
    public async Task Handler_that_fails_twice_succeeds_on_the_third_delivery_and_nothing_is_dead_lettered()
    {
        var bus = new TestBus(broker);
        bus.Probe.FailuresBeforeSuccess = 2;
        var queue = TestBus.NewQueueName("flaky");
        using var counters = new BusCounters(queue);
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<SyncCompleted, FlakyHandler<SyncCompleted>>(), maxDeliveryAttempts: 3);

        var sent = new SyncCompleted { AccountId = Guid.NewGuid(), Kind = EmailSyncSources.Initial, MessagesSynced = 120 };
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(sent);

        var seen = await bus.Probe.NextAsync();
        Assert.Equal(sent.Id, seen.Event.Id);
        Assert.Equal(120, ((SyncCompleted)seen.Event).MessagesSynced);
        Assert.Equal(sent.CorrelationId, seen.CorrelationId);
        await counters.WaitForAsync("eventbus.messages.consumed", 1);
        Assert.Equal(0, counters["eventbus.messages.dead_lettered"]);

        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(RabbitMqTopology.DeadLetterQueue(queue))).MessageCount);
    }

    [Fact]
    public async Task Unknown_json_fields_are_ignored()
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("tolerant");
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<AccountDisconnected, RecordingHandler<AccountDisconnected>>());

        // A newer producer: version 2 with fields this consumer has never heard of.
        var id = Guid.NewGuid();
        var accountId = Guid.NewGuid();
        var json = $$"""
            {"id":"{{id}}","createdAt":"2026-11-25T10:00:00+00:00","correlationId":"c-42","accountId":"{{accountId}}",
             "emailAddress":"me@example.com","reason":"token-revoked","detail":"invalid_grant",
             "revokedBy":{"actor":"google","ip":"203.0.113.9"},"retentionDays":30,"tags":["a","b"]}
            """;
        await PublishRawAsync(bus, "AccountDisconnected", json, version: 2);

        var seen = await bus.Probe.NextAsync();
        var received = Assert.IsType<AccountDisconnected>(seen.Event);
        Assert.Equal(id, received.Id);
        Assert.Equal(accountId, received.AccountId);
        Assert.Equal(AccountDisconnectReasons.TokenRevoked, received.Reason);
        Assert.Equal("invalid_grant", received.Detail);
        Assert.Equal("c-42", seen.CorrelationId);
    }

    [Theory]
    [InlineData("{\"id\": \"not json at all", "System.Text.Json.JsonException")]
    [InlineData("{\"id\":\"6a3a1a4e-5b0a-4b43-9d5e-0f4a3d8f3c11\",\"reason\":\"user-requested\"}", "System.Text.Json.JsonException")]
    [InlineData("null", "System.Text.Json.JsonException")]
    public async Task Poison_message_goes_to_the_dead_letter_queue_at_once_with_the_reason(string body, string exceptionType)
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("poison");
        using var counters = new BusCounters(queue);
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<AccountDisconnected, RecordingHandler<AccountDisconnected>>());

        await PublishRawAsync(bus, "AccountDisconnected", body, version: 1);

        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync();
        var dead = await bus.GetMessageAsync(channel, RabbitMqTopology.DeadLetterQueue(queue));
        var headers = dead.BasicProperties.Headers;

        Assert.Equal(body, Encoding.UTF8.GetString(dead.Body.Span));
        Assert.StartsWith("The message body is not a valid AccountDisconnected", MessageHeaders.GetString(headers, MessageHeaders.FailureReason), StringComparison.Ordinal);
        Assert.Equal(exceptionType, MessageHeaders.GetString(headers, MessageHeaders.ExceptionType));
        Assert.Equal(1, MessageHeaders.GetInt32(headers, MessageHeaders.DeliveryAttempts));
        Assert.Equal(0, counters["eventbus.messages.retried"]);
        Assert.True(await bus.Probe.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Message_of_an_event_type_without_a_handler_is_dead_lettered_not_dropped()
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("unknown-type");
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<AccountDisconnected, RecordingHandler<AccountDisconnected>>());

        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync();

        // Someone bound this queue to another event by hand.
        await channel.QueueBindAsync(queue, bus.Exchange, "MailboxExploded");
        await PublishRawAsync(bus, "MailboxExploded", "{}", version: 1);

        var dead = await bus.GetMessageAsync(channel, RabbitMqTopology.DeadLetterQueue(queue));
        Assert.Equal($"No handler for event type 'MailboxExploded' in '{queue}'.", MessageHeaders.GetString(dead.BasicProperties.Headers, MessageHeaders.FailureReason));
    }

    private static async Task PublishRawAsync(TestBus bus, string eventName, string body, int version)
    {
        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties
        {
            MessageId = Guid.NewGuid().ToString(),
            Type = eventName,
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?> { [MessageHeaders.EventVersion] = version },
        };
        await channel.BasicPublishAsync(bus.Exchange, eventName, mandatory: true, properties, Encoding.UTF8.GetBytes(body));
    }
}
