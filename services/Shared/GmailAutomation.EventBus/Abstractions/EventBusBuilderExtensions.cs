using GmailAutomation.IntegrationEvents;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.EventBus.Abstractions;

public static class EventBusBuilderExtensions
{
    /// <summary>
    /// Subscribes this service to <typeparamref name="TEvent"/>: its queue is bound to the event's routing key
    /// and every delivery runs <typeparamref name="THandler"/> in its own DI scope. Several handlers may
    /// subscribe to one event; they run one after the other and are retried together.
    /// </summary>
    public static IEventBusBuilder AddSubscription<TEvent, THandler>(this IEventBusBuilder builder)
        where TEvent : IntegrationEvent
        where THandler : class, IIntegrationEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Keyed by event type, so the consumer finds all handlers of an event with one lookup.
        builder.Services.AddKeyedTransient<IIntegrationEventHandler, THandler>(typeof(TEvent));
        builder.Services.Configure<EventBusSubscriptionInfo>(info =>
            info.EventTypes[IntegrationEventType.NameOf(typeof(TEvent))] = typeof(TEvent));
        return builder;
    }
}
