using GmailAutomation.Data;
using GmailAutomation.EmailService.Accounts;
using GmailAutomation.EmailService.Data;
using GmailAutomation.EmailService.Push;
using GmailAutomation.EmailService.Sync;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Quota;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GmailAutomation.EmailService;

internal static class ApplicationServiceExtensions
{
    /// <summary>
    /// The sync engine: emaildb (migrated at start), the Gmail client (tokens from the auth-service, or from
    /// <c>Gmail:RefreshTokens</c> when configured), the event bus with the account subscriptions, leases,
    /// the scheduler, the outbox publisher and the push receiver.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddRedisClient("redis");

        // Sync steps are retried as a whole by the scheduler; EF's retrying strategy would forbid our transactions.
        builder.AddNpgsqlDbContext<EmailDbContext>("emaildb", settings => settings.DisableRetry = true);

        // Before the event consumer starts: its handlers write to emaildb.
        services.AddHostedService<DatabaseMigrator<EmailDbContext>>();
        builder.AddRabbitMqEventBus("rabbitmq")
            .AddSubscription<AccountConnected, AccountConnectedHandler>()
            .AddSubscription<AccountDisconnected, AccountDisconnectedHandler>()
            .AddSubscription<PreferencesChanged, PreferencesChangedHandler>();

        var gmail = builder.AddGmailClient();
        if (builder.Configuration.GetSection("Gmail:RefreshTokens").GetChildren().Any())
        {
            gmail.AddOAuthRefreshTokenProvider();
        }
        else
        {
            gmail.AddAuthServiceTokenProvider();
        }

        // Per-account quota units and 429s for the status API, counted around the shared client.
        services.TryAddSingleton<GmailUsage>();
        services.TryAddSingleton<RedisGmailQuota>();
        services.Replace(ServiceDescriptor.Singleton<IGmailQuota>(sp =>
            new CountingGmailQuota(sp.GetRequiredService<RedisGmailQuota>(), sp.GetRequiredService<GmailUsage>())));
        services.AddTransient<RateLimitCountingHandler>();
        services.AddHttpClient<GmailApiClient>().AddHttpMessageHandler<RateLimitCountingHandler>();

        services.AddOptions<EmailSyncOptions>().BindConfiguration(EmailSyncOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Configuration.GetValue(EmailSyncOptions.SectionName + ":" + nameof(EmailSyncOptions.UseAuthServiceDirectory), true))
        {
            services.AddAuthServiceClient();
            services.AddHttpClient<AccountDirectory>().AddHttpMessageHandler<ServiceKeyDelegatingHandler>();
        }

        services.AddUserIdentity();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EmailServiceMetrics>();
        services.AddSingleton<ReplicaIdentity>();
        services.AddSingleton<AccountLeases>();
        services.AddSingleton<AccountSignals>();
        services.AddSingleton<AccountSyncer>();
        services.AddScoped<AccountRegistry>();
        services.AddScoped<PushReceiver>();

        services.AddSingleton<OutboxPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxPublisher>());
        services.AddSingleton<SyncScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<SyncScheduler>());
        return builder;
    }
}
