using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>How the AppHost is started for a run: replica counts and extra environment per resource.</summary>
internal sealed record SessionSettings
{
    public IReadOnlyDictionary<string, int> Replicas { get; init; } = new Dictionary<string, int>();

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Environment { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();
}

/// <summary>
/// The whole AppHost started the way the AppHost tests start it (DistributedApplicationTestingBuilder, local
/// processes, a private data folder, no dashboard), plus what the runs need around it: every resource instance's
/// current snapshot (replicas included), every console line written to <c>logs/</c>, kill -9 and restart.
/// </summary>
internal sealed class AppHostSession : IAsyncDisposable
{
    /// <summary>A cold start of everything is 2–4 minutes on a loaded 2-core machine; this bounds it.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    public static readonly string[] BackingResources =
        ["redis", "rabbitmq", "postgres", "authdb", "emaildb", "classificationdb", "responsedb", "draftdb", "auditdb"];

    public static readonly string[] Services =
        ["gmail-emulator", "auth-service", "email-service", "classification-service", "response-service", "draft-service", "api-gateway"];

    private readonly ConcurrentDictionary<string, CustomResourceSnapshot> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _instanceOf = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _logWatches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StreamWriter> _logFiles = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(DateTimeOffset At, string InstanceId, string Line)> _lines = new();
    private readonly CancellationTokenSource _stopping = new();
    private DistributedApplication? _app;
    private Task? _watch;

    private AppHostSession(string dataPath, string logPath)
    {
        DataPath = dataPath;
        LogPath = logPath;
    }

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    public string DataPath { get; }

    /// <summary>One file per resource instance with every console line it wrote (the security scan reads them).</summary>
    public string LogPath { get; }

    /// <summary>Every console line of every instance, with the time it arrived here.</summary>
    public IReadOnlyCollection<(DateTimeOffset At, string InstanceId, string Line)> Lines => _lines;

    public static async Task<AppHostSession> StartAsync(SessionSettings settings, string artifacts, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("gmail-automation-e2e-").FullName;
        var logs = Path.Combine(artifacts, "logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(logs);
        var session = new AppHostSession(data, logs);
        try
        {
            await session.StartCoreAsync(settings, cancellationToken);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(SessionSettings settings, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.GmailAutomation_AppHost>(
            [
                "Infrastructure:Mode=LocalProcesses",
                $"Infrastructure:DataPath={DataPath}",
                "Gateway:Port=0",
            ],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);

        // Every resource's console lines go to logs/ (RecordLogsAsync); echoed on this console too they would bury the table.
        builder.Services.AddLogging(logging => logging
            .AddFilter("GmailAutomation.AppHost.Resources", LogLevel.None)
            .AddFilter("Aspire.Hosting", LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));

        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // Production-like log levels: the development default writes every SQL command and HTTP call, which on two
            // cores costs a measurable share of the CPU being measured. The services' own Information lines stay.
            project.Annotations.Add(new EnvironmentCallbackAnnotation(environment =>
            {
                environment["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning";
                environment["Logging__LogLevel__System.Net.Http.HttpClient"] = "Warning";

                // No dashboard runs here, so nothing listens at the OTLP endpoint Aspire still hands out; a failing
                // exporter keeps its batches in memory for retries (OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory) and
                // would count in the memory and CPU being measured. The services' /metrics endpoint stays.
                environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
            }));

            if (settings.Replicas.TryGetValue(project.Name, out var replicas) && replicas > 1)
            {
                builder.CreateResourceBuilder(project).WithReplicas(replicas);
            }

            if (settings.Environment.TryGetValue(project.Name, out var variables))
            {
                project.Annotations.Add(new EnvironmentCallbackAnnotation(environment =>
                {
                    foreach (var (name, value) in variables)
                    {
                        environment[name] = value;
                    }
                }));
            }
        }

        _app = await builder.BuildAsync(timeout.Token);
        _watch = WatchAsync(_stopping.Token);
        await _app.StartAsync(timeout.Token);
        try
        {
            await Task.WhenAll(BackingResources.Concat(Services).Select(name => WaitHealthyAsync(name, timeout.Token)));
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The AppHost did not become healthy within {StartTimeout.TotalMinutes:0} min:\n{Describe()}", exception);
        }
    }

    /// <summary>Healthy for every instance of the resource (with replicas, the name alone names none of them).</summary>
    public async Task WaitHealthyAsync(string resource, CancellationToken cancellationToken)
    {
        while (true)
        {
            var instances = InstancesOf(resource);
            if (instances.Count > 0 && instances.All(i => i.Snapshot.HealthStatus == HealthStatus.Healthy && i.Snapshot.State?.Text == KnownResourceStates.Running))
            {
                return;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    public Uri Endpoint(string resource) => App.GetEndpoint(resource, "http");

    public async Task<string> ConnectionStringAsync(string resource, CancellationToken cancellationToken) =>
        await App.GetConnectionStringAsync(resource, cancellationToken) ?? throw new InvalidOperationException($"{resource} has no connection string.");

    /// <summary>The instances (resource ids) of a resource: one, or one per replica.</summary>
    public IReadOnlyList<(string Id, CustomResourceSnapshot Snapshot)> InstancesOf(string resource) =>
        [.. _instances.Where(i => _instanceOf.GetValueOrDefault(i.Key) == resource).OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => (i.Key, i.Value))];

    /// <summary>The process DCP started for an instance (for a project, the <c>dotnet</c> host of the service).</summary>
    public int? ProcessId(string instanceId) =>
        _instances.TryGetValue(instanceId, out var snapshot) ? Pid(snapshot) : null;

    /// <summary>
    /// kill -9 of the instance's process tree, as a crash or the OOM killer would, then a start through Aspire's own
    /// resource command (what the dashboard's Start button does); returns when the new process is healthy.
    /// </summary>
    public async Task<TimeSpan> KillAndRestartAsync(string instanceId, TimeSpan downFor, CancellationToken cancellationToken)
    {
        var pid = ProcessId(instanceId) ?? throw new InvalidOperationException($"{instanceId} has no process.");
        ProcessTree.KillTree(pid);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(4));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await WaitForAsync(instanceId, s => s.State?.Text is "Exited" or "Finished" or "FailedToStart", timeout.Token);
        await Task.Delay(downFor, timeout.Token);
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var started = await commands.ExecuteCommandAsync(instanceId, KnownResourceCommands.StartCommand, timeout.Token);
        if (!started.Success)
        {
            throw new InvalidOperationException($"Starting {instanceId} again failed: {started.Message}");
        }

        await WaitForAsync(instanceId, s => s.State?.Text == KnownResourceStates.Running && s.HealthStatus == HealthStatus.Healthy && Pid(s) is { } p && p != pid, timeout.Token);
        return clock.Elapsed;
    }

    /// <summary>A graceful restart through Aspire's restart command (stop, then start), for the backing services.</summary>
    public async Task<TimeSpan> RestartAsync(string resource, CancellationToken cancellationToken)
    {
        var (id, before) = InstancesOf(resource).Single();
        var oldPid = Pid(before);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(4));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var restarted = await commands.ExecuteCommandAsync(id, KnownResourceCommands.RestartCommand, timeout.Token);
        if (!restarted.Success)
        {
            throw new InvalidOperationException($"Restarting {resource} failed: {restarted.Message}");
        }

        await WaitForAsync(id, s => s.State?.Text == KnownResourceStates.Running && s.HealthStatus == HealthStatus.Healthy && Pid(s) is { } p && p != oldPid, timeout.Token);
        return clock.Elapsed;
    }

    private async Task WaitForAsync(string instanceId, Func<CustomResourceSnapshot, bool> condition, CancellationToken cancellationToken)
    {
        while (!(_instances.TryGetValue(instanceId, out var snapshot) && condition(snapshot)))
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>One line per instance: state, health, pid.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var (id, snapshot) in _instances.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            if (snapshot.IsHidden)
            {
                continue;
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"  {id}: {snapshot.State?.Text} health={snapshot.HealthStatus?.ToString() ?? "-"} exit={snapshot.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-"} pid={Pid(snapshot)?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
            foreach (var report in snapshot.HealthReports.Where(r => r.Status is not HealthStatus.Healthy))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    health check {report.Name}: {report.Status} {report.Description} {report.ExceptionText?.Split('\n')[0]}");
            }
        }

        return text.ToString();
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
            {
                _instances[update.ResourceId] = update.Snapshot;
                _instanceOf[update.ResourceId] = update.Resource.Name;
                _ = _logWatches.GetOrAdd(update.ResourceId, id => Task.Run(() => RecordLogsAsync(id, cancellationToken), CancellationToken.None));
            }
        }
        catch (OperationCanceledException)
        {
            // The session is being disposed.
        }
    }

    private async Task RecordLogsAsync(string instanceId, CancellationToken cancellationToken)
    {
        var logs = App.Services.GetRequiredService<ResourceLoggerService>();
        var file = _logFiles.GetOrAdd(instanceId, id => new StreamWriter(Path.Combine(LogPath, id + ".log"), append: true, Encoding.UTF8));
        try
        {
            await foreach (var batch in logs.WatchAsync(instanceId).WithCancellation(cancellationToken))
            {
                var now = DateTimeOffset.UtcNow;
                lock (file)
                {
                    foreach (var line in batch)
                    {
                        _lines.Enqueue((now, instanceId, line.Content));
                        file.WriteLine(line.Content);
                    }

                    file.Flush();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session is being disposed.
        }
    }

    private static int? Pid(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : null;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or InvalidOperationException)
            {
                Console.Error.WriteLine($"Stopping the AppHost: {exception.Message}");
            }

            await _app.DisposeAsync();
        }

        await _stopping.CancelAsync();
        if (_watch is not null)
        {
            await _watch;
        }

        await Task.WhenAll(_logWatches.Values);
        foreach (var file in _logFiles.Values)
        {
            await file.DisposeAsync();
        }

        _stopping.Dispose();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"Could not delete {DataPath}: {exception.Message}");
        }
        catch (UnauthorizedAccessException exception)
        {
            Console.Error.WriteLine($"Could not delete {DataPath}: {exception.Message}");
        }
    }
}
