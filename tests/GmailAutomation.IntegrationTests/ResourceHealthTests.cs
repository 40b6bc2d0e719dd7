using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.IntegrationTests;

[Collection(AppHostCollection.Name)]
public sealed class ResourceHealthTests(AppHostFixture fixture)
{
    public static TheoryData<string> AllResources => [.. AppHostLauncher.BackingResources, .. AppHostLauncher.Services];

    [Theory]
    [MemberData(nameof(AllResources))]
    public async Task Resource_becomes_healthy(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);

        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(name, out var state));
        Assert.Equal(KnownResourceStates.Running, state.Snapshot.State?.Text);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, state.Snapshot.HealthStatus);
    }

    [Fact]
    public void Every_resource_of_the_app_is_checked()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();

        // Parameters and the hidden helpers Aspire adds (project rebuilders) are not part of the running system.
        var resources = model.Resources
            .Where(resource => resource is not ParameterResource)
            .Where(resource => fixture.App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state) && !state.Snapshot.IsHidden)
            .Select(resource => resource.Name);

        string[] expected = [.. AppHostLauncher.BackingResources, .. AppHostLauncher.Services];
        Assert.Equal(expected.Order(), resources.Order());
    }

    [Fact]
    public void Backing_services_run_as_local_processes_with_data_in_the_configured_folder()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();

        foreach (var name in new[] { "redis", "rabbitmq", "postgres" })
        {
            var resource = Assert.IsAssignableFrom<ExecutableResource>(model.Resources.Single(r => r.Name == name));
            Assert.StartsWith(fixture.DataPath, resource.WorkingDirectory, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(fixture.DataPath, "postgres", "pgdata", "PG_VERSION")));
        Assert.True(Directory.Exists(Path.Combine(fixture.DataPath, "rabbitmq", "mnesia")));
        Assert.True(File.Exists(Path.Combine(fixture.DataPath, "redis", "redis.conf")));
    }
}
