using GmailAutomation.GmailEmulator.Faults;
using GmailAutomation.GmailEmulator.Hosting;
using GmailAutomation.GmailEmulator.OAuth;
using GmailAutomation.GmailEmulator.Push;
using GmailAutomation.GmailEmulator.Quota;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GmailAutomation.GmailEmulator;

/// <summary>
/// Wires the emulator's Google-side machinery: the OAuth 2.0 server (<see cref="IAccessTokenValidator"/>),
/// quota (<see cref="IQuotaGate"/>), fault injection (<see cref="IFaultInjector"/>) and push
/// (<see cref="IMailboxChangeListener"/>, <see cref="IWatchRegistry"/>). Each stateful part is also an
/// <see cref="IEmulatorResettable"/>.
/// </summary>
public static class EmulatorGoogleServicesExtensions
{
    public static TBuilder AddEmulatorGoogleServices<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddEmulatorGoogleServices();
        return builder;
    }

    /// <summary>The same registrations on a bare service collection (needs <c>IConfiguration</c>, logging and metrics).</summary>
    public static IServiceCollection AddEmulatorGoogleServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<OAuthEmulatorOptions>().BindConfiguration(OAuthEmulatorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FaultSettings>().BindConfiguration(FaultSettings.SectionName)
            .Validate(IsValid, "Emulator:Faults is invalid: rates must be 0..1 per status 400–599 adding up to at most 1, bursts need 0 < duration ≤ every.")
            .ValidateOnStart();

        services.AddSingleton<OAuthClientRegistry>();
        services.AddSingleton<OAuthGrantStore>();
        services.AddSingleton<IdTokenIssuer>();
        services.AddSingleton<IAccessTokenValidator>(sp => sp.GetRequiredService<OAuthGrantStore>());

        services.AddSingleton<QuotaGate>();
        services.AddSingleton<IQuotaGate>(sp => sp.GetRequiredService<QuotaGate>());

        services.AddSingleton<FaultInjector>();
        services.AddSingleton<IFaultInjector>(sp => sp.GetRequiredService<FaultInjector>());

        services.AddSingleton<PushNotifier>();
        services.AddSingleton<PushSubscriptionRegistry>();
        services.AddSingleton<WatchRegistry>();
        services.AddSingleton<IWatchRegistry>(sp => sp.GetRequiredService<WatchRegistry>());
        services.AddSingleton<IMailboxChangeListener, PushChangeListener>();
        services.AddHostedService<PushDeliveryService>();

        // Pub/Sub's own redelivery policy is emulated by PushDeliveryService: the standard resilience handler
        // would retry on top of it and blur what the webhook sees.
        // RemoveAllResilienceHandlers is marked experimental (EXTEXP0001); it is the supported way to opt one client out.
#pragma warning disable EXTEXP0001
        services.AddHttpClient(PushDeliveryService.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<OAuthClientRegistry>());
        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<OAuthGrantStore>());
        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<QuotaGate>());
        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<FaultInjector>());
        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<WatchRegistry>());
        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<PushSubscriptionRegistry>());
        services.AddSingleton<IEmulatorResettable>(sp => sp.GetRequiredService<PushNotifier>());
        return services;
    }

    private static bool IsValid(FaultSettings settings)
    {
        try
        {
            settings.Validate();
            return true;
        }
        catch (Common.Errors.ValidationException)
        {
            return false;
        }
    }
}
