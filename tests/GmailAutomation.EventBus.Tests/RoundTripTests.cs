using System.Diagnostics;
using GmailAutomation.Common.Correlation;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.EventBus.RabbitMq;
using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace GmailAutomation.EventBus.Tests;

[Collection(BrokerCollection.Name)]
public sealed class RoundTripTests(BrokerFixture broker)
{
    private static readonly ActivitySource s_tests = new("GmailAutomation.EventBus.Tests");

    [Fact]
    public async Task Published_event_reaches_the_handler_with_its_fields_correlation_id_and_trace()
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("roundtrip");
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<EmailReceived, RecordingHandler<EmailReceived>>());

        EmailReceived sent;
        ActivityTraceId traceId;
        using (var sync = s_tests.StartActivity("sync account"))
        using (CorrelationId.Begin("sync-7f3a"))
        {
            traceId = sync!.TraceId;
            sent = SampleEvents.EmailReceived();
            await host.Services.GetRequiredService<IEventBus>().PublishAsync(sent);
        }

        var seen = await bus.Probe.NextAsync();
        var received = Assert.IsType<EmailReceived>(seen.Event);

        Assert.Equal(sent.Id, received.Id);
        Assert.Equal("sync-7f3a", sent.CorrelationId);
        Assert.Equal("sync-7f3a", received.CorrelationId);
        Assert.Equal("sync-7f3a", seen.CorrelationId);
        Assert.Equal(traceId, seen.TraceId);
        Assert.NotEqual(default, seen.ParentSpanId);
        Assert.Equal(sent.CreatedAt, received.CreatedAt);

        Assert.Equal(sent.AccountId, received.AccountId);
        Assert.Equal(sent.HistoryId, received.HistoryId);
        Assert.Equal(sent.InternalDate, received.InternalDate);
        Assert.Equal(sent.From, received.From);
        Assert.Equal(sent.To, received.To);
        Assert.Equal(sent.Cc, received.Cc);
        Assert.Equal(sent.References, received.References);
        Assert.Equal(sent.Subject, received.Subject);
        Assert.Equal(sent.BodyText, received.BodyText);
        Assert.True(received.BodyTruncated);
        Assert.Equal(sent.Attachments, received.Attachments);
        Assert.Equal(sent.MalformedParts, received.MalformedParts);
        Assert.Null(received.ListUnsubscribe);

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task Message_on_the_wire_is_persistent_named_versioned_json_on_the_topic_exchange()
    {
        var bus = new TestBus(broker);
        var queue = TestBus.NewQueueName("wire");
        await using var host = await bus.StartHostAsync(queue, b => b.AddSubscription<AccountConnected, RecordingHandler<AccountConnected>>());
        await host.StopAsync();

        // With the service stopped, its durable queue keeps the message for us to look at.
        var sent = new AccountConnected { AccountId = Guid.NewGuid(), EmailAddress = "me@example.com", GrantedScopes = ["gmail.modify"] };
        await host.Services.GetRequiredService<IEventBus>().PublishAsync(sent);

        await using var connection = await bus.ConnectRawAsync();
        await using var channel = await connection.CreateChannelAsync();
        var message = await bus.GetMessageAsync(channel, queue);

        Assert.Equal(bus.Exchange, message.Exchange);
        Assert.Equal("AccountConnected", message.RoutingKey);
        Assert.Equal("AccountConnected", message.BasicProperties.Type);
        Assert.Equal(DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
        Assert.Equal("application/json", message.BasicProperties.ContentType);
        Assert.Equal(sent.Id.ToString(), message.BasicProperties.MessageId);
        Assert.Equal(1, MessageHeaders.GetInt32(message.BasicProperties.Headers, MessageHeaders.EventVersion));
        Assert.Equal(sent.CorrelationId, MessageHeaders.GetString(message.BasicProperties.Headers, MessageHeaders.CorrelationId));

        var json = System.Text.Encoding.UTF8.GetString(message.Body.Span);
        Assert.Contains("\"accountId\":", json, StringComparison.Ordinal);
        Assert.Contains("\"grantedScopes\":[\"gmail.modify\"]", json, StringComparison.Ordinal);
    }
}
