using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus.Idempotency;

/// <summary>
/// A handler whose effect runs once per event for this service, even when the event is delivered twice.
/// The key is the event id; override <see cref="GetIdempotencyKey"/> for a business key (e.g.
/// <see cref="IdempotencyKeys.ForMessage"/>) when two events can ask for the same effect.
/// </summary>
public abstract class IdempotentIntegrationEventHandler<TEvent>(IdempotencyGuard guard) : IIntegrationEventHandler<TEvent>
    where TEvent : IntegrationEvent
{
    public Task Handle(TEvent @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return guard.RunOnceAsync(
            GetIdempotencyKey(@event),
            ct => HandleOnceAsync(@event, ct),
            IntegrationEventType.NameOf(typeof(TEvent)),
            cancellationToken);
    }

    protected virtual string GetIdempotencyKey(TEvent @event) => @event.Id.ToString("N");

    /// <summary>The effect; it is recorded as done only when this returns without throwing.</summary>
    protected abstract Task HandleOnceAsync(TEvent @event, CancellationToken cancellationToken);
}
