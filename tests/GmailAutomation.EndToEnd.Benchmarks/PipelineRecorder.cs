using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>One pipeline event as seen on the broker.</summary>
internal sealed record RecordedEvent(string Type, Guid AccountId, string? GmailMessageId, DateTimeOffset CreatedAt, DateTimeOffset ReceivedAt, JsonNode Body);

/// <summary>
/// Records every pipeline event on the AppHost's broker through its own queue (a copy: the services' queues are
/// untouched). The <c>createdAt</c> of <c>EmailClassified</c> and <c>DraftCreated</c> is stamped by the service right
/// after Gmail answered the label change or the draft creation, so it is when the effect happened; the time the
/// event reached this recorder adds the outbox and the broker on top and is kept as well. The connection recovers
/// by itself after a broker restart (events published meanwhile are missed here, never by the services).
/// </summary>
internal sealed class PipelineRecorder : IAsyncDisposable
{
    public static readonly string[] EventTypes = ["AccountConnected", "EmailReceived", "SyncCompleted", "EmailClassified", "ReplyGenerated", "DraftCreated"];

    private readonly ConcurrentQueue<RecordedEvent> _events = new();
    private IConnection? _connection;
    private IChannel? _channel;

    public IReadOnlyCollection<RecordedEvent> Events => _events;

    public static async Task<PipelineRecorder> StartAsync(string rabbitMqConnectionString, CancellationToken cancellationToken)
    {
        var recorder = new PipelineRecorder();
        var factory = new ConnectionFactory
        {
            Uri = new Uri(rabbitMqConnectionString),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
        };
        recorder._connection = await factory.CreateConnectionAsync("e2e-recorder", cancellationToken);
        recorder._channel = await recorder._connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var channel = recorder._channel;
        await channel.ExchangeDeclareAsync("gmail-automation", ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
        foreach (var type in EventTypes)
        {
            await channel.QueueBindAsync(queue.QueueName, "gmail-automation", type, cancellationToken: cancellationToken);
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var received = DateTimeOffset.UtcNow;
            var body = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!;
            var created = body["createdAt"] is { } at ? at.GetValue<DateTimeOffset>() : received;
            recorder._events.Enqueue(new RecordedEvent(
                delivery.RoutingKey,
                body["accountId"]?.GetValue<Guid>() ?? Guid.Empty,
                body["gmailMessageId"]?.GetValue<string>(),
                created,
                received,
                body));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken);
        return recorder;
    }

    public IEnumerable<RecordedEvent> Of(string type) => _events.Where(e => e.Type == type);

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
