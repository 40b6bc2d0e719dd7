using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EventBus.Abstractions;

/// <summary>Publishes integration events to every service that subscribed to them.</summary>
public interface IEventBus
{
    /// <summary>
    /// Publishes <paramref name="event"/> as a persistent message and returns once the broker has confirmed
    /// it. Throws <see cref="Common.Errors.ExternalServiceException"/> when the broker refused it or stayed
    /// unreachable, so a caller (an outbox, a sync loop) knows the event was not published.
    /// </summary>
    Task PublishAsync(IntegrationEvent @event, CancellationToken cancellationToken = default);
}
