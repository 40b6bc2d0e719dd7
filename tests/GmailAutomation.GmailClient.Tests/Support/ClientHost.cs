using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace GmailAutomation.GmailClient.Tests.Support;

/// <summary>
/// A service's view of the Gmail client: DI with <c>AddGmailClient</c> the way a service registers it, the
/// standard resilience handler on every HttpClient (as ServiceDefaults adds it), real Redis, and the
/// OAuth refresh-token provider.
/// </summary>
public sealed class ClientHost : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    private ClientHost(ServiceProvider provider)
    {
        this.provider = provider;
        Metrics = new MetricsRecorder(provider.GetRequiredService<IMeterFactory>());
    }

    public GmailApiClient Client => provider.GetRequiredService<GmailApiClient>();

    public MetricsRecorder Metrics { get; }

    public IServiceProvider Services => provider;

    /// <param name="settings">Keys relative to the <c>Gmail</c> section, e.g. <c>Quota:UnitsPerSecond</c>.</param>
    public static ClientHost Create(IConnectionMultiplexer redis, Uri baseUrl, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Gmail:BaseUrl"] = baseUrl.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(baseUrl, "token").ToString(),
            ["Gmail:Quota:KeyPrefix"] = $"test:{Guid.NewGuid():N}:",
            ["Gmail:Retry:BaseDelay"] = "00:00:00.020",
            ["Gmail:Retry:MaxDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values["Gmail:" + key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSingleton(redis);

        // What ServiceDefaults does to every HttpClient; the Gmail client must opt out of it.
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        services.AddGmailClient(configuration).AddOAuthRefreshTokenProvider();
        return new ClientHost(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await provider.DisposeAsync();
    }
}
