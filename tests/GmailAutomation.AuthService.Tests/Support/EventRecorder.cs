using System.Collections.Concurrent;
using GmailAutomation.EventBus;
using GmailAutomation.IntegrationEvents;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace GmailAutomation.AuthService.Tests.Support;

/// <summary>Listens on the event bus's exchange (its own exclusive queue, every routing key) and keeps what arrives.</summary>
public sealed class EventRecorder : IAsyncDisposable
{
    private static readonly Dictionary<string, Type> s_types = new(StringComparer.Ordinal)
    {
        [nameof(AccountConnected)] = typeof(AccountConnected),
        [nameof(AccountDisconnected)] = typeof(AccountDisconnected),
        [nameof(PreferencesChanged)] = typeof(PreferencesChanged),
    };

    private readonly ConcurrentQueue<IntegrationEvent> _events = new();
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private EventRecorder(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<EventRecorder> StartAsync(string connectionString)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(connectionString) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var recorder = new EventRecorder(connection, channel);
        await channel.ExchangeDeclareAsync("gmail-automation", ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, "gmail-automation", "#");
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            if (s_types.TryGetValue(delivery.RoutingKey, out var type))
            {
                recorder._events.Enqueue(IntegrationEventSerializer.Deserialize(delivery.Body.Span, type));
            }

            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return recorder;
    }

    /// <summary>Waits (bounded) for the first event of type <typeparamref name="T"/> matching <paramref name="match"/>.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> match, TimeSpan? timeout = null)
        where T : IntegrationEvent
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (_events.OfType<T>().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No {typeof(T).Name} matching the condition arrived in time.");
    }

    public IReadOnlyList<T> All<T>(Func<T, bool> match)
        where T : IntegrationEvent => [.. _events.OfType<T>().Where(match)];

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
