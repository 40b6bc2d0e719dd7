using System.ComponentModel.DataAnnotations;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Auth;
using GmailAutomation.GmailClient.Quota;
using GmailAutomation.GmailClient.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class GmailClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="GmailApiClient"/> for a service: options from <c>Gmail</c>, the Redis quota bucket
    /// (adding Aspire's Redis client <paramref name="redisConnectionName"/> when no <see cref="IConnectionMultiplexer"/>
    /// is registered yet). In the AppHost, set <c>Gmail__BaseUrl</c> to <c>https+http://gmail-emulator</c> to use the
    /// emulator. Add a token provider with the returned builder.
    /// </summary>
    public static GmailClientBuilder AddGmailClient(this IHostApplicationBuilder builder, string redisConnectionName = "redis")
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IConnectionMultiplexer)))
        {
            builder.AddRedisClient(redisConnectionName);
        }

        return builder.Services.AddGmailClient(builder.Configuration);
    }

    /// <summary>
    /// Registers <see cref="GmailApiClient"/> with options bound from <paramref name="configuration"/>'s <c>Gmail</c>
    /// section. Expects an <see cref="IConnectionMultiplexer"/> to be registered for the quota bucket.
    /// </summary>
    public static GmailClientBuilder AddGmailClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<GmailClientOptions>()
            .Bind(configuration.GetSection(GmailClientOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(options => IsValid(options.Quota) && IsValid(options.Retry) && IsValid(options.CircuitBreaker), "Gmail:Quota, Gmail:Retry or Gmail:CircuitBreaker is out of range.")
            .ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GmailClientMetrics>();
        services.TryAddSingleton<GmailResilience>();
        services.TryAddSingleton<IGmailQuota, RedisGmailQuota>();

        // RemoveAllResilienceHandlers is marked experimental (EXTEXP0001); it is the documented way to opt one
        // client out of ConfigureHttpClientDefaults' AddStandardResilienceHandler.
#pragma warning disable EXTEXP0001
        services.AddHttpClient<GmailApiClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<GmailClientOptions>>().Value;
                var baseUrl = options.BaseUrl.ToString();
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");

                // Each attempt has its own timeout (Gmail:AttemptTimeout); waiting for quota must not time out.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            // ServiceDefaults adds the standard resilience handler to every HttpClient. Gmail calls must be retried
            // only by GmailResilience, which charges quota per attempt and honours Retry-After.
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        return new GmailClientBuilder(services);
    }

    private static bool IsValid(object options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true);
}

/// <summary>Chooses where <see cref="GmailApiClient"/> gets access tokens.</summary>
public sealed class GmailClientBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>Exchanges refresh tokens at <c>Gmail:TokenEndpoint</c> itself, finding them in <c>Gmail:RefreshTokens</c>.</summary>
    public GmailClientBuilder AddOAuthRefreshTokenProvider()
    {
        Services.TryAddSingleton<IGmailRefreshTokenSource, ConfiguredRefreshTokenSource>();
        return AddOAuthRefreshTokenProvider<ConfiguredRefreshTokenSource>();
    }

    /// <summary>Exchanges refresh tokens at <c>Gmail:TokenEndpoint</c>, finding them with <typeparamref name="TSource"/>.</summary>
    public GmailClientBuilder AddOAuthRefreshTokenProvider<TSource>()
        where TSource : class, IGmailRefreshTokenSource
    {
        Services.TryAddSingleton<TSource>();
        Services.AddHttpClient(nameof(OAuthRefreshTokenProvider));
        Services.RemoveAll<IGmailAccessTokenProvider>();
        Services.AddSingleton<IGmailAccessTokenProvider>(provider => ActivatorUtilities.CreateInstance<OAuthRefreshTokenProvider>(
            provider,
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(OAuthRefreshTokenProvider)),
            provider.GetRequiredService<TSource>()));
        return this;
    }

    /// <summary>Gets tokens from <typeparamref name="TProvider"/> (e.g. the auth-service's internal endpoint).</summary>
    public GmailClientBuilder AddAccessTokenProvider<TProvider>()
        where TProvider : class, IGmailAccessTokenProvider
    {
        Services.RemoveAll<IGmailAccessTokenProvider>();
        Services.AddSingleton<IGmailAccessTokenProvider, TProvider>();
        return this;
    }
}
