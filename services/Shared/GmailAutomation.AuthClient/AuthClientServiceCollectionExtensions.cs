using GmailAutomation.AuthClient;
using GmailAutomation.GmailClient.Auth;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class AuthClientServiceCollectionExtensions
{
    /// <summary>
    /// Gets Gmail access tokens from the auth-service (<c>AuthService:BaseUrl</c>, by default
    /// <c>https+http://auth-service</c>), sending the shared <c>Internal:ServiceKey</c>.
    /// </summary>
    public static GmailClientBuilder AddAuthServiceTokenProvider(this GmailClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAuthServiceClient();
        builder.Services.RemoveAll<IGmailAccessTokenProvider>();
        builder.Services.AddSingleton<IGmailAccessTokenProvider>(sp => sp.GetRequiredService<AuthServiceAccessTokenProvider>());
        return builder;
    }

    /// <summary>Registers <see cref="AuthServiceAccessTokenProvider"/> and its options without touching the Gmail client.</summary>
    public static IServiceCollection AddAuthServiceClient(this IServiceCollection services)
    {
        services.AddOptions<AuthServiceClientOptions>().BindConfiguration(AuthServiceClientOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddInternalServiceAuthentication();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(nameof(AuthServiceAccessTokenProvider)).AddHttpMessageHandler<ServiceKeyDelegatingHandler>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<AuthServiceAccessTokenProvider>(
            sp, sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(AuthServiceAccessTokenProvider))));
        return services;
    }
}
