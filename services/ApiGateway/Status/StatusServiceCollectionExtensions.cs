namespace GmailAutomation.ApiGateway.Status;

public static class StatusServiceCollectionExtensions
{
    /// <summary>The status probe and the clients of the backing resources it reports on.</summary>
    public static IHostApplicationBuilder AddSystemStatus(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");
        builder.AddRabbitMQClient("rabbitmq");
        builder.AddNpgsqlDataSource("postgres");

        builder.Services.AddOptions<StatusOptions>()
            .BindConfiguration("Status")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHttpClient(SystemStatusProbe.HttpClientName);
        builder.Services.AddSingleton<SystemStatusProbe>();
        return builder;
    }
}
