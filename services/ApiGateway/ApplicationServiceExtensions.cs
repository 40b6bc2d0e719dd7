using GmailAutomation.Data;
using GmailAutomation.ApiGateway.Audit;
using GmailAutomation.ApiGateway.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;

namespace Microsoft.Extensions.Hosting;

public static class ApplicationServiceExtensions
{
    /// <summary>
    /// The gateway: auditdb (migrated at start), Redis (session key ring), the event bus with the audit log's subscriptions and its retention job, who is calling
    /// (session cookie or API token, rate limits) and the proxy to every service's public API.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");
        // The audit handlers and the retention job run their own transactions, which EF's retrying strategy would forbid.
        builder.AddNpgsqlDbContext<GatewayDbContext>("auditdb", settings => settings.DisableRetry = true);
        builder.Services.AddHostedService<DatabaseMigrator<GatewayDbContext>>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddInternalServiceAuthentication();

        // Before the event consumer starts: the audit handlers write to auditdb.
        builder.AddRabbitMqEventBus("rabbitmq")
            .AddSubscription<AccountConnected, AuditEventHandler>()
            .AddSubscription<AccountDisconnected, AuditEventHandler>()
            .AddSubscription<PreferencesChanged, AuditEventHandler>()
            .AddSubscription<SyncCompleted, AuditEventHandler>()
            .AddSubscription<EmailClassified, AuditEventHandler>()
            .AddSubscription<ReplyGenerated, AuditEventHandler>()
            .AddSubscription<DraftCreated, AuditEventHandler>()
            .AddSubscription<DraftRegenerationRequested, AuditEventHandler>()
            .AddSubscription<ClassificationRulesChanged, AuditEventHandler>()
            .AddSubscription<ClassificationCorrected, AuditEventHandler>();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<AccountOwnership>();
        builder.Services.AddHttpClient(AccountOwnership.AuthServiceClientName).AddHttpMessageHandler<ServiceKeyDelegatingHandler>();
        builder.Services.AddOptions<AuditRetentionOptions>().BindConfiguration(AuditRetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AuditRetentionJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditRetentionJob>());

        builder.AddGatewayIdentity();
        builder.AddPublicApiProxy();
        return builder;
    }
}
