namespace GmailAutomation.ApiGateway.Status;

public static class StatusServiceCollectionExtensions
{
    /// <summary>The status probe and the clients of the backing resources it reports on.</summary>
    public static IHostApplicationBuilder AddSystemStatus(this IHostApplicationBuilder builder)
    {
        // Redis and RabbitMQ clients come with the application services (session key ring, event bus).
        builder.AddNpgsqlDataSource("postgres");

        builder.Services.AddOptions<StatusOptions>()
            .BindConfiguration("Status")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient(SystemStatusProbe.HttpClientName);
        builder.Services.AddSingleton<SystemStatusProbe>();
        return builder;
    }
}
