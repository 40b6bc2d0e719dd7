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

        // A killed email-service leaves its account leases behind, as a crash does (MailSyncTests): short leases let
        // the restarted process take its accounts back within the test's time instead of after 30 s.
        builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == "email-service").Annotations.Add(
            new EnvironmentCallbackAnnotation(environment =>
            {
                environment["EmailSync__LeaseDuration"] = "00:00:06";
                environment["EmailSync__SchedulerInterval"] = "00:00:01";
            }));
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
