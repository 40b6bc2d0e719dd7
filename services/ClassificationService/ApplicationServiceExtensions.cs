using GmailAutomation.Data;
using GmailAutomation.ClassificationService.Consumers;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.ClassificationService.Labels;
using GmailAutomation.ClassificationService.Pipeline;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ClassificationService;

internal static class ApplicationServiceExtensions
{
    /// <summary>
    /// classificationdb (migrated at start), the Gmail client with tokens from the auth-service, the account
    /// directory (auth-service internal endpoint), rules, models, labels, the EmailReceived subscription and the outbox.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddRedisClient("redis");

        // The handler holds one transaction around the Gmail write; EF's retrying strategy would forbid it.
        builder.AddNpgsqlDbContext<ClassificationDbContext>("classificationdb", settings => settings.DisableRetry = true);

        // Before the event consumer starts: its handler writes to classificationdb.
        services.AddHostedService<DatabaseMigrator<ClassificationDbContext>>();
        builder.AddRabbitMqEventBus("rabbitmq")
            .AddSubscription<EmailReceived, EmailReceivedHandler>();

        builder.AddGmailClient().AddAuthServiceTokenProvider();
        services.AddHttpClient<AccountDirectory>().AddHttpMessageHandler<ServiceKeyDelegatingHandler>();

        services.AddOptions<ClassificationOptions>().BindConfiguration(ClassificationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddUserIdentity();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new RegexCache(sp.GetRequiredService<IOptions<ClassificationOptions>>().Value.RegexTimeout));
        services.AddSingleton<ClassificationServiceMetrics>();
        services.AddSingleton<RuleSetProvider>();
        services.AddSingleton<ModelProvider>();
        services.AddSingleton<ClassificationEngine>();
        services.AddSingleton<LabelManager>();
        services.AddSingleton<MessageLabeler>();
        services.AddSingleton<OutboxPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxPublisher>());
        return builder;
    }
}
