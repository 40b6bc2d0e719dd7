using System.Diagnostics;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace GmailAutomation.EventBus.RabbitMq;

/// <summary>
/// Publishes events to the topic exchange with the event name as routing key and AMQP type, the contract
/// version, correlation id and W3C trace context as headers, as persistent messages with confirms.
/// </summary>
internal sealed class RabbitMqEventBus(
    RabbitMqPublisher publisher,
    EventBusTelemetry telemetry,
    IOptions<EventBusOptions> options,
    IHostEnvironment environment) : IEventBus
{
    private readonly EventBusOptions _options = options.Value;

    public async Task PublishAsync(IntegrationEvent @event, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(@event);

        var eventType = @event.GetType();
        var eventName = IntegrationEventType.NameOf(eventType);
        var body = IntegrationEventSerializer.Serialize(@event);

        using var activity = EventBusTelemetry.ActivitySource.StartActivity($"{eventName} publish", ActivityKind.Producer);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "rabbitmq");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", _options.ExchangeName);
            activity.SetTag("messaging.rabbitmq.destination.routing_key", eventName);
            activity.SetTag("messaging.message.id", @event.Id.ToString());
            activity.SetTag("correlation.id", @event.CorrelationId);
        }

        var headers = new Dictionary<string, object?>
        {
            [MessageHeaders.EventVersion] = IntegrationEventType.VersionOf(eventType),
            [MessageHeaders.CorrelationId] = @event.CorrelationId,
        };

        // The consumer's span continues this trace, so one trace spans sync → classify → draft.
        DistributedContextPropagator.Current.Inject(activity ?? Activity.Current, headers, static (carrier, name, value) =>
        {
            if (carrier is Dictionary<string, object?> target && value is not null)
            {
                target[name] = value;
            }
        });

        var properties = new BasicProperties
        {
            MessageId = @event.Id.ToString(),
            Type = eventName,
            ContentType = IntegrationEventSerializer.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            CorrelationId = @event.CorrelationId,
            Timestamp = new AmqpTimestamp(@event.CreatedAt.ToUnixTimeSeconds()),
            AppId = environment.ApplicationName,
            Headers = headers,
        };

        try
        {
            await publisher.PublishAsync(_options.ExchangeName, eventName, properties, body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity.AddException(ex);
            throw;
        }

        telemetry.Published.Add(1, EventBusTelemetry.Tags(eventName));
    }
}
