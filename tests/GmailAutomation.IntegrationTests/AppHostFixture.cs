namespace GmailAutomation.IntegrationTests;

/// <summary>One started AppHost for the whole collection, with its own temporary data folder.</summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public string DataPath { get; } = Directory.CreateTempSubdirectory("gmail-automation-it-").FullName;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(AppHostLauncher.StartTimeout);
        var builder = await AppHostLauncher.CreateBuilderAsync(DataPath, timeout.Token);
        _app = await AppHostLauncher.StartAsync(
            builder, [.. AppHostLauncher.BackingResources, .. AppHostLauncher.Services], timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(DataPath, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost";
}
