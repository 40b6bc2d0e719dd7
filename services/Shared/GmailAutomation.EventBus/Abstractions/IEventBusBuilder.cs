using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.EventBus.Abstractions;

/// <summary>Returned by <c>AddRabbitMqEventBus</c>; subscriptions are added to it.</summary>
public interface IEventBusBuilder
{
    IServiceCollection Services { get; }
}
