using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GmailAutomation.EventBus.RabbitMq;

/// <summary>Unhealthy while a subscribing service is not consuming (broker away, channel being reopened).</summary>
internal sealed class EventBusConsumerHealthCheck(RabbitMqEventBusConsumer consumer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(consumer.IsConsuming
            ? HealthCheckResult.Healthy(consumer.HasSubscriptions ? "Consuming." : "No subscriptions.")
            : new HealthCheckResult(context.Registration.FailureStatus, "Not consuming: the broker is unreachable or the channel is being reopened."));
}
