using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.IntegrationTests;

/// <summary>Starts the real AppHost the way CI runs it: local processes, a private data folder, no dashboard.</summary>
internal static class AppHostLauncher
{
    /// <summary>
    /// Bound for a cold start of everything (PostgreSQL initdb, RabbitMQ first boot, seven services launched with
    /// dotnet run). About two minutes on an idle 2-core machine; far more when other builds compete for the cores.
    /// </summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    public static readonly string[] BackingResources =
        ["redis", "rabbitmq", "rabbitmq-epmd", "postgres", "authdb", "emaildb", "classificationdb", "responsedb", "draftdb", "auditdb"];

    public static readonly string[] Services =
        ["gmail-emulator", "auth-service", "email-service", "classification-service", "response-service", "draft-service", "api-gateway"];

    public static Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string dataPath, CancellationToken cancellationToken) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.GmailAutomation_AppHost>(
            [
                "Infrastructure:Mode=LocalProcesses",
                $"Infrastructure:DataPath={dataPath}",
                "Gateway:Port=0",
            ],
            (options, _) => options.DisableDashboard = true,
            cancellationToken);

    /// <summary>Builds and starts the app, then waits until every named resource is healthy.</summary>
    public static async Task<DistributedApplication> StartAsync(
        IDistributedApplicationTestingBuilder builder, IEnumerable<string> waitFor, CancellationToken cancellationToken)
    {
        var app = await builder.BuildAsync(cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            await Task.WhenAll(waitFor.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, cancellationToken)));
            return app;
        }
        catch (OperationCanceledException exception)
        {
            var states = await DescribeStatesAsync(app);
            await app.DisposeAsync();
            throw new TimeoutException($"The AppHost did not become healthy in time:\n{states}", exception);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>One line per resource (state and health) and the last console lines of those not healthy, for failure messages.</summary>
    public static async Task<string> DescribeStatesAsync(DistributedApplication app)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var text = new StringBuilder();
        foreach (var resource in model.Resources)
        {
            if (!app.ResourceNotifications.TryGetCurrentState(resource.Name, out var state) || state.Snapshot.IsHidden)
            {
                continue;
            }

            var snapshot = state.Snapshot;
            text.AppendLine($"  {resource.Name}: {snapshot.State?.Text} health={snapshot.HealthStatus?.ToString() ?? "-"} exit={snapshot.ExitCode?.ToString() ?? "-"}");
            foreach (var report in snapshot.HealthReports.Where(report => report.Status is not Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy))
            {
                text.AppendLine($"    health check {report.Name}: {report.Status} {report.Description} {report.ExceptionText?.Split('\n')[0]}");
            }

            if (snapshot.HealthStatus is not Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                && (snapshot.ExitCode is not null || snapshot.State?.Text == KnownResourceStates.Running))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var lines = new List<string>();
                try
                {
                    await foreach (var batch in logs.GetAllAsync(state.ResourceId).WithCancellation(timeout.Token))
                    {
                        lines.AddRange(batch.Select(line => line.Content));
                    }
                }
                catch (OperationCanceledException)
                {
                    // Whatever arrived in time is enough for the message.
                }

                foreach (var line in lines.TakeLast(40))
                {
                    text.AppendLine($"    | {line}");
                }
            }
        }

        return text.ToString();
    }
}
