using GmailAutomation.Data;
using GmailAutomation.Common.Errors;
using GmailAutomation.DraftService.Accounts;
using GmailAutomation.DraftService.Data;
using GmailAutomation.DraftService.Drafts;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GmailAutomation.DraftService;

internal static class ApplicationServiceExtensions
{
    /// <summary>
    /// The draft writer: draftdb (migrated at start), the Gmail client (tokens from the auth-service, or from
    /// <c>Gmail:RefreshTokens</c> when configured), the event bus with the reply and account subscriptions, and the
    /// outbox publisher.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddRedisClient("redis");

        // EF interceptors registered in the container take part (operational hooks such as command logging, and the
        // tests' failure injection). The writer retries whole deliveries through the bus, so EF's retrying strategy,
        // which forbids user transactions, stays off.
        var connectionString = builder.Configuration.GetConnectionString("draftdb")
            ?? throw new ConfigurationException("ConnectionStrings:draftdb", "it is not set.");
        services.AddDbContext<DraftDbContext>((provider, options) =>
            options.UseNpgsql(connectionString).AddInterceptors(provider.GetServices<IInterceptor>()));
        builder.EnrichNpgsqlDbContext<DraftDbContext>(settings => settings.DisableRetry = true);

        // Before the event consumer starts: its handlers write to draftdb.
        services.AddHostedService<DatabaseMigrator<DraftDbContext>>();
        builder.AddRabbitMqEventBus("rabbitmq")
            .AddSubscription<ReplyGenerated, ReplyGeneratedHandler>()
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

        services.AddOptions<DraftServiceOptions>().BindConfiguration(DraftServiceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Configuration.GetValue(DraftServiceOptions.SectionName + ":" + nameof(DraftServiceOptions.UseAuthServiceDirectory), true))
        {
            services.AddAuthServiceClient();
            services.AddHttpClient<AccountDirectory>().AddHttpMessageHandler<ServiceKeyDelegatingHandler>();
        }

        services.AddUserIdentity();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DraftServiceMetrics>();
        services.AddScoped<AccountRegistry>();
        services.AddScoped<DraftWriter>();
        services.AddSingleton<OutboxPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxPublisher>());
        return builder;
    }
}
