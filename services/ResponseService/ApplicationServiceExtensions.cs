using GmailAutomation.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ResponseService.Accounts;
using GmailAutomation.ResponseService.Ai;
using GmailAutomation.ResponseService.Data;
using GmailAutomation.ResponseService.Outbox;
using GmailAutomation.ResponseService.Replies;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ResponseService;

internal static class ApplicationServiceExtensions
{
    /// <summary>
    /// The reply writer: responsedb (migrated at start), the Gmail client (tokens from the auth-service, or from
    /// <c>Gmail:RefreshTokens</c> when configured), the AI providers (<c>Ai</c> section, validated at start), the
    /// event bus with its subscriptions and the outbox publisher.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddRedisClient("redis");

        // The reply and its outbox row are saved in one explicit transaction, which EF's retrying strategy forbids.
        builder.AddNpgsqlDbContext<ResponseDbContext>("responsedb", settings => settings.DisableRetry = true);

        // Before the event consumer starts: its handlers write to responsedb.
        services.AddHostedService<DatabaseMigrator<ResponseDbContext>>();
        builder.AddRabbitMqEventBus("rabbitmq")
            .AddSubscription<AccountConnected, AccountConnectedHandler>()
            .AddSubscription<AccountDisconnected, AccountDisconnectedHandler>()
            .AddSubscription<PreferencesChanged, PreferencesChangedHandler>()
            .AddSubscription<EmailClassified, EmailClassifiedHandler>();

        var gmail = builder.AddGmailClient();
        if (builder.Configuration.GetSection("Gmail:RefreshTokens").GetChildren().Any())
        {
            gmail.AddOAuthRefreshTokenProvider();
        }
        else
        {
            gmail.AddAuthServiceTokenProvider();
        }

        services.AddOptions<ResponseOptions>().BindConfiguration(ResponseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Configuration.GetValue(ResponseOptions.SectionName + ":" + nameof(ResponseOptions.UseAuthServiceDirectory), true))
        {
            services.AddAuthServiceClient();
            services.AddHttpClient<AccountDirectory>().AddHttpMessageHandler<ServiceKeyDelegatingHandler>();
        }

        builder.AddAiProviders();

        services.AddUserIdentity();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ResponseServiceMetrics>();
        services.AddScoped<AccountStore>();
        services.AddScoped<MailContextReader>();
        services.AddScoped<ReplyGenerator>();
        services.AddScoped<ReplyWriter>();

        services.AddSingleton<OutboxPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxPublisher>());
        return builder;
    }

    /// <summary>
    /// The <c>Ai</c> options (invalid configuration stops start-up with the setting to fix), the offline provider, and
    /// one HttpClient per known provider whose only retry layer is <see cref="AiRetryHandler"/> (429/5xx with backoff
    /// and <c>Retry-After</c>, bounded attempts).
    /// </summary>
    public static IHostApplicationBuilder AddAiProviders(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AiOptions>().BindConfiguration(AiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AiOptions>, AiOptionsValidator>();
        services.AddSingleton<TemplateChatCompletionService>();
        services.AddSingleton<ChatServiceFactory>();

        // RemoveAllResilienceHandlers is experimental (EXTEXP0001); it opts these clients out of ServiceDefaults'
        // standard handler, whose own retries and 10 s attempt timeout would stack on ours.
#pragma warning disable EXTEXP0001
        foreach (var provider in AiProviderNames.All.Where(p => p != AiProviderNames.Template))
        {
            services.AddHttpClient(ChatServiceFactory.ClientName(provider), http => http.Timeout = Timeout.InfiniteTimeSpan)
                .RemoveAllResilienceHandlers()
                .AddHttpMessageHandler(sp => new AiRetryHandler(
                    provider, sp.GetRequiredService<IOptionsMonitor<AiOptions>>(), sp.GetRequiredService<TimeProvider>()));
        }
#pragma warning restore EXTEXP0001
        return builder;
    }
}
