using System.Globalization;
using System.Text;
using System.Text.Json;
using GmailAutomation.EndToEnd.Benchmarks;

// eng/e2e.sh <command> [--key value ...]; see docs/performance.md for what each run does and the latest figures.
var command = args.FirstOrDefault() ?? "help";
var options = Options.Parse(args.Skip(1));
var artifacts = Path.GetFullPath(options.Text("artifacts", Path.Combine(FindRepositoryRoot(), "artifacts", "e2e")));
Directory.CreateDirectory(artifacts);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(options.Int("timeout-minutes", 90)));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var accounts = options.Int("accounts", 50);

// The fault and replica runs use a steady load the system sustains on this machine (see docs/performance.md);
// --rate/--seconds change it when one of them is run alone.
int LoadRate() => command == "all" ? 10 : options.Int("rate", 10);
int LoadSeconds(int fallback) => command == "all" ? fallback : options.Int("seconds", fallback);
var results = new List<ScenarioResult>();
SecurityReport? security = null;

async Task InSessionAsync(SessionSettings settings, Func<Harness, Task> body)
{
    Console.WriteLine("Starting the AppHost (local processes, private data folder)...");
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var harness = await Harness.StartAsync(settings, artifacts, cancel.Token);
    Console.WriteLine($"AppHost healthy after {clock.Elapsed.TotalSeconds:0} s; logs in {harness.Session.LogPath}");
    try
    {
        await body(harness);
        if (options.Bool("security", true))
        {
            security = await SecurityScan.RunAsync(harness, cancel.Token);
            Console.WriteLine($"== security: {security.LogLines} log lines, {security.RedisKeys} Redis keys, {security.PostgresRows} PostgreSQL rows scanned; " +
                $"{security.Findings.Count} findings; OAuth callback replays answered {string.Join(",", security.ReplayStatuses.Distinct().Order())}");
            foreach (var finding in security.Findings)
            {
                Console.WriteLine($"   FINDING {finding.Where}: {finding.What}");
            }
        }
    }
    finally
    {
        await harness.Recorder.DisposeAsync();
        harness.Emulator.Dispose();
        await harness.Session.DisposeAsync();
    }
}

async Task LatencyRunsAsync(Harness harness)
{
    foreach (var rate in options.Ints("rate", [20, 200]))
    {
        await Track(Scenarios.LatencyAsync(
            harness, rate, accounts, options.Int("seconds", rate > 50 ? 10 : 60), cancel.Token, options.Int("warm-up-seconds", 0)), $"latency-{rate}");
    }
}

Task ThroughputRunAsync(Harness harness) => Track(Scenarios.ThroughputAsync(
    harness, accounts, options.Ints("rates", [10, 20, 30, 40, 50, 60, 80, 100]), options.Int("step-seconds", 30), cancel.Token), "throughput");

Task InitialSyncRunAsync(Harness harness) => Track(Scenarios.InitialSyncAsync(harness, accounts, options.Int("messages", 1000), cancel.Token), "initial-sync");

Task ChaosRunAsync(Harness harness) => Track(Scenarios.ChaosAsync(
    harness, LoadRate(), accounts, LoadSeconds(150),
    options.Texts("victims", ["email-service", "classification-service", "response-service", "draft-service"]), cancel.Token), "chaos-kill");

Task BackingRunAsync(Harness harness) => Track(Scenarios.BackingAsync(harness, LoadRate(), accounts, LoadSeconds(120), cancel.Token), "chaos-backing");

Task FaultsRunAsync(Harness harness) => Track(Scenarios.FaultsAsync(harness, LoadRate(), accounts, options.Int("phase-seconds", 30), cancel.Token), "chaos-emulator-faults");

static async Task<ScenarioResult> RenamedAsync(Task<ScenarioResult> run, string name) => await run with { Name = name };

// A run that throws (a timeout, a refused request) is recorded as failed and the next run still goes ahead.
async Task Track(Task<ScenarioResult> run, string? name = null)
{
    try
    {
        results.Add(await run);
    }
    catch (Exception exception) when (exception is not OperationCanceledException || !cancel.IsCancellationRequested)
    {
        Console.WriteLine($"   run failed: {exception.GetType().Name}: {exception.Message}");
        results.Add(new ScenarioResult
        {
            Name = name ?? "run",
            Settings = new Dictionary<string, object>(),
            Notes = [$"{exception.GetType().Name}: {exception.Message.Split('\n')[0]}"],
            Passed = false,
        });
    }
}

// --gc workstation: every .NET service with the workstation GC (DOTNET_gcServer=0); --gc server: with the server GC
// (ASP.NET Core's usual choice, which the services' runtime settings turn off); --env K=V,K=V: any other runtime
// variable. For comparing how much of the resident size is the runtime's choice rather than the service's data.
var runtimeVariables = new Dictionary<string, string>(StringComparer.Ordinal);
switch (options.Text("gc", "default"))
{
    case "workstation": runtimeVariables["DOTNET_gcServer"] = "0"; break;
    case "server": runtimeVariables["DOTNET_gcServer"] = "1"; break;
}

foreach (var pair in options.Text("env", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
{
    var parts = pair.Split('=', 2);
    runtimeVariables[parts[0]] = parts.Length == 2 ? parts[1] : throw new ArgumentException($"--env expects KEY=VALUE pairs, not '{pair}'.");
}

var gcEnvironment = runtimeVariables.Count == 0
    ? new Dictionary<string, IReadOnlyDictionary<string, string>>()
    : AppHostSession.Services.ToDictionary(s => s, IReadOnlyDictionary<string, string> (_) => runtimeVariables);
var single = new SessionSettings { Environment = gcEnvironment };
var replicas = new SessionSettings
{
    Environment = gcEnvironment,
    Replicas = new Dictionary<string, int> { ["email-service"] = 2, ["classification-service"] = 3, ["draft-service"] = 2 },
};

try
{
    switch (command)
    {
        case "latency":
            await InSessionAsync(single, LatencyRunsAsync);
            break;
        case "throughput":
            await InSessionAsync(single, ThroughputRunAsync);
            break;
        case "initial-sync":
            await InSessionAsync(single, InitialSyncRunAsync);
            break;
        case "chaos":
            await InSessionAsync(single, ChaosRunAsync);
            break;
        case "backing":
            await InSessionAsync(single, BackingRunAsync);
            break;
        case "faults":
            await InSessionAsync(single, FaultsRunAsync);
            break;
        case "replicas":
            await InSessionAsync(replicas, h => Track(Scenarios.ReplicasAsync(h, LoadRate(), accounts, LoadSeconds(60), cancel.Token), "replicas"));
            break;
        case "all":
            // One AppHost start for the single-instance runs (a cold start costs minutes), a second one with replicas.
            await InSessionAsync(single, async h =>
            {
                await LatencyRunsAsync(h);
                await ThroughputRunAsync(h);

                // Once more at 20/s with every cache, JIT tier and table warm: the first run follows a cold start.
                await Track(RenamedAsync(Scenarios.LatencyAsync(h, 20, accounts, 60, cancel.Token), "latency-20-again"), "latency-20-again");
                await ChaosRunAsync(h);
                await BackingRunAsync(h);
                await FaultsRunAsync(h);
                await InitialSyncRunAsync(h);
            });
            await InSessionAsync(replicas, h => Track(Scenarios.ReplicasAsync(h, LoadRate(), accounts, LoadSeconds(60), cancel.Token), "replicas"));
            break;
        default:
            Console.WriteLine("""
                usage: eng/e2e.sh <command> [options]
                  latency       --rate 20,200 --accounts 50 [--seconds N]   (default 60 s at 20/s, 10 s at 200/s)
                                [--warm-up-seconds N]   (first N s at the same rate, not measured: steady state, not cold start)
                  throughput    --rates 10,20,30,40,50,60,80,100 --step-seconds 30 --accounts 50
                  initial-sync  --accounts 50 --messages 1000
                  chaos         --rate 10 --seconds 150 --accounts 50 [--victims email-service,classification-service,...]
                  backing       --rate 10 --seconds 120 --accounts 50   (restarts rabbitmq, redis, postgres)
                  faults        --rate 10 --phase-seconds 30 --accounts 50
                  replicas      --rate 10 --seconds 60 --accounts 50   (email x2, classification x3, draft x2)
                  all           every run above (two AppHost starts)
                common: --security false (skip the scan at the end), --gc workstation|server, --env K=V,K=V, --artifacts <dir>, --timeout-minutes 90
                """);
            return 2;
    }
}
finally
{
    Report(results, security);
}

return results.All(r => r.Passed) && security?.Passed != false ? 0 : 1;

void Report(List<ScenarioResult> runs, SecurityReport? scan)
{
    if (runs.Count == 0 && scan is null)
    {
        return;
    }

    var text = new StringBuilder();
    text.AppendLine(CultureInfo.InvariantCulture, $"\n## End-to-end results ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores)\n");
    text.AppendLine("| run | settings | figures | end state | result |");
    text.AppendLine("|---|---|---|---|---|");
    foreach (var run in runs)
    {
        var settings = string.Join(", ", run.Settings.Select(s => $"{s.Key}={Show(s.Value)}"));
        var figures = string.Join("; ", run.Figures.Where(f => f.Value is not System.Collections.IEnumerable || f.Value is string).Select(f => $"{f.Key} {Show(f.Value)}"));
        text.AppendLine(CultureInfo.InvariantCulture, $"| {run.Name} | {settings} | {figures} | {run.EndState} | {(run.Passed ? "pass" : "FAIL")} |");
    }

    foreach (var run in runs.Where(r => r.Usage.Count > 0))
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"\n### {run.Name}: CPU and memory per resource\n");
        text.Append(ResourceMeter.Table(run.Usage));
    }

    foreach (var run in runs.Where(r => r.Figures.ContainsKey("serviceTimes")))
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"\n### {run.Name}: mean time inside the services (their /metrics histograms)\n");
        text.AppendLine("| service | series | observations | mean ms |\n|---|---|---|---|");
        foreach (var row in (IEnumerable<Dictionary<string, object>>)run.Figures["serviceTimes"])
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row["service"]} | {row["series"]} | {Show(row["observations"])} | {Show(row["meanMs"])} |");
        }
    }

    foreach (var note in runs.SelectMany(r => r.Notes.Select(n => $"{r.Name}: {n}")))
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
    }

    if (scan is not null)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"\nsecurity: {(scan.Passed ? "pass" : "FAIL")} — {scan.LogLines} log lines, {scan.RedisKeys} Redis keys, {scan.PostgresRows} rows; {scan.Findings.Count} findings; replayed OAuth callbacks answered {string.Join(",", scan.ReplayStatuses.Distinct().Order())}");
    }

    Console.WriteLine(text);
    var file = Path.Combine(artifacts, $"{command}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
    File.WriteAllText(file, JsonSerializer.Serialize(new { command, machine = new { cores = Environment.ProcessorCount }, runs, security = scan }, JsonOptions.Indented));
    File.WriteAllText(Path.ChangeExtension(file, ".md"), text.ToString());
    Console.WriteLine($"written {file}");
}

static string Show(object value) => value switch
{
    double d => d.ToString("0.#", CultureInfo.InvariantCulture),
    IDictionary<string, int> map => string.Join(" ", map.Select(e => $"{e.Key}×{e.Value}")),
    IEnumerable<int> list => string.Join(",", list),
    IEnumerable<string> list => string.Join(",", list),
    _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
};

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "GmailAutomation.sln")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}

/// <summary><c>--key value</c> pairs; lists are comma-separated.</summary>
internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                key = arg[2..];
                values[key] = "true";
            }
            else if (key is not null)
            {
                values[key] = arg;
                key = null;
            }
        }

        return new Options(values);
    }

    public string Text(string key, string fallback) => values.GetValueOrDefault(key) ?? fallback;

    public int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Bool(string key, bool fallback) => values.TryGetValue(key, out var v) ? bool.Parse(v) : fallback;

    public int[] Ints(string key, int[] fallback) =>
        values.TryGetValue(key, out var v) ? [.. v.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;

    public string[] Texts(string key, string[] fallback) => values.TryGetValue(key, out var v) ? v.Split(',') : fallback;
}

internal static class JsonOptions
{
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
