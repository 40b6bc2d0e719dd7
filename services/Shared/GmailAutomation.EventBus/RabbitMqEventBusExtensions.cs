using Aspire.RabbitMQ.Client;
using GmailAutomation.EventBus;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.EventBus.Idempotency;
using GmailAutomation.EventBus.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Microsoft.Extensions.Hosting;

public static class RabbitMqEventBusExtensions
{
    /// <summary>
    /// Adds the integration event bus over RabbitMQ: the connection named <paramref name="connectionName"/>
    /// (Aspire's RabbitMQ client, with its health check and automatic recovery), <see cref="IEventBus"/> for
    /// publishing, and the consumer of this service's queue (<c>EventBus:SubscriptionClientName</c>, by
    /// default the application name) that runs the handlers added with
    /// <see cref="EventBusBuilderExtensions.AddSubscription{TEvent, THandler}"/>.
    /// </summary>
    public static IEventBusBuilder AddRabbitMqEventBus(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<RabbitMQClientSettings>? configureSettings = null,
        Action<ConnectionFactory>? configureConnectionFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);

        var applicationName = builder.Environment.ApplicationName;
        builder.AddRabbitMQClient(connectionName, configureSettings, factory =>
        {
            // Consumers and channels must come back on their own after a broker restart.
            factory.AutomaticRecoveryEnabled = true;
            factory.TopologyRecoveryEnabled = true;
            factory.ClientProvidedName ??= applicationName;
            configureConnectionFactory?.Invoke(factory);
        });

        var services = builder.Services;
        services.AddOptions<EventBusOptions>()
            .BindConfiguration(EventBusOptions.SectionName)
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.SubscriptionClientName))
                {
                    options.SubscriptionClientName = applicationName;
                }

                if (options.RetryDelays.Length == 0)
                {
                    options.RetryDelays = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)];
                }
            })
            .ValidateDataAnnotations()
            .Validate(options => options.RetryDelays.All(delay => delay > TimeSpan.Zero), "EventBus:RetryDelays must all be positive.")
            .ValidateOnStart();
        services.AddOptions<EventBusSubscriptionInfo>();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventBusTelemetry>();
        services.TryAddSingleton<RabbitMqPublisher>();
        services.TryAddSingleton<IEventBus, RabbitMqEventBus>();
        services.TryAddSingleton<RabbitMqEventBusConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<RabbitMqEventBusConsumer>());
        services.AddHealthChecks().AddCheck<EventBusConsumerHealthCheck>("eventbus-consumer", tags: ["ready"]);

        // Idempotency markers live in Redis; the store is only built when an idempotent handler is used.
        services.TryAddSingleton<IProcessedEventStore, RedisProcessedEventStore>();
        services.TryAddSingleton<IdempotencyGuard>();

        return new EventBusBuilder(services);
    }

    private sealed class EventBusBuilder(IServiceCollection services) : IEventBusBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
