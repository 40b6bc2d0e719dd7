using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus.Abstractions;

/// <summary>
/// Reacts to one type of integration event. Delivery is at least once: the same event can arrive again
/// (after a crash, a retry or a broker restart), so a handler's effect must be idempotent; derive from
/// <see cref="Idempotency.IdempotentIntegrationEventHandler{TEvent}"/> for effects that must run once.
/// A handler that throws is retried with backoff and, after the last attempt, the message is moved to the
/// service's dead-letter queue with the failure reason.
/// </summary>
public interface IIntegrationEventHandler<in TEvent> : IIntegrationEventHandler
    where TEvent : IntegrationEvent
{
    Task Handle(TEvent @event, CancellationToken cancellationToken);

    Task IIntegrationEventHandler.Handle(IntegrationEvent @event, CancellationToken cancellationToken) =>
        Handle((TEvent)@event, cancellationToken);
}

/// <summary>The untyped view the consumer dispatches through.</summary>
public interface IIntegrationEventHandler
{
    Task Handle(IntegrationEvent @event, CancellationToken cancellationToken);
}
