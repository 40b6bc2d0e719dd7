using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace GmailAutomation.GmailEmulator.Tests.GoogleSide;

/// <summary>
/// The emulator's Google-side services composed exactly as the emulator registers them
/// (<c>AddEmulatorGoogleServices</c>), over a fake clock and the given settings, without the Gmail API around them.
/// </summary>
internal sealed class GoogleSideServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly List<IHostedService> _started = [];

    private GoogleSideServices(ServiceProvider provider, FakeTimeProvider time)
    {
        _provider = provider;
        Time = time;
    }

    public static readonly DateTimeOffset Start = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; }

    public static GoogleSideServices Create(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var time = new FakeTimeProvider(Start);
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<TimeProvider>(time)
            .AddLogging()
            .AddMetrics()
            .AddEmulatorGoogleServices();
        return new GoogleSideServices(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }), time);
    }

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public IEnumerable<T> GetAll<T>() => _provider.GetServices<T>();

    /// <summary>Starts the hosted services (push delivery).</summary>
    public async Task<GoogleSideServices> StartAsync()
    {
        foreach (var hosted in _provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
            _started.Add(hosted);
        }

        return this;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in _started)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await hosted.StopAsync(timeout.Token);
        }

        await _provider.DisposeAsync();
    }
}

/// <summary>Bounded polling for things that happen on a background thread.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }
}
