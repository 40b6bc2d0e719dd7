using System.Globalization;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>
/// CPU and memory of one resource instance over a measured window: resident size (VmRSS, what the target is about) and,
/// at the end, the proportional (PSS) and private resident sizes.
/// </summary>
internal sealed record ResourceUsage(
    string Instance, double CpuSeconds, double CpuPercentOfOneCore, double ResidentMb, double PeakResidentMb, double ProportionalMb, double PrivateMb);

/// <summary>
/// Where the time goes: CPU seconds per service (and per backing server) between <see cref="Start"/> and
/// <see cref="Stop"/>, from /proc/&lt;pid&gt;/stat of each instance's process tree; resident size (VmRSS) sampled
/// every two seconds, the last sample being the steady state (PSS and private size from smaps_rollup at the end). A process restarted inside the window is counted
/// from its restart.
/// </summary>
internal sealed class ResourceMeter : IAsyncDisposable
{
    private static readonly string[] Measured = [.. AppHostSession.Services, "redis", "rabbitmq", "postgres"];

    private readonly AppHostSession _session;
    private readonly Dictionary<string, (int Pid, double Cpu)> _start = [];
    private readonly Dictionary<string, double> _peak = [];
    private readonly Dictionary<string, double> _carried = [];
    private readonly Dictionary<string, (int Pid, double Cpu)> _last = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly Task _sampling;

    private ResourceMeter(AppHostSession session)
    {
        _session = session;
        foreach (var (id, pid, _) in Instances())
        {
            if (ProcessTree.CpuSeconds(pid) is { } cpu)
            {
                _start[id] = _last[id] = (pid, cpu);
            }
        }

        _sampling = SampleAsync(_stop.Token);
    }

    public static ResourceMeter Start(AppHostSession session) => new(session);

    private IEnumerable<(string Id, int Pid, bool Sum)> Instances()
    {
        foreach (var resource in Measured)
        {
            foreach (var (id, _) in _session.InstancesOf(resource))
            {
                if (_session.ProcessId(id) is { } pid)
                {
                    yield return (id, pid, resource == "postgres");
                }
            }
        }
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void Sample()
    {
        lock (_peak)
        {
            foreach (var (id, pid, sum) in Instances())
            {
                if (ProcessTree.CpuSeconds(pid) is not { } cpu)
                {
                    // Killed and not started again yet: its last sample stands.
                    continue;
                }

                var rss = ProcessTree.ResidentMegabytes(pid, sum);
                _peak[id] = Math.Max(_peak.GetValueOrDefault(id), rss);
                if (_last.TryGetValue(id, out var last) && last.Pid != pid)
                {
                    // Restarted (chaos): keep what the old process used up to its last sample.
                    _carried[id] = _carried.GetValueOrDefault(id) + last.Cpu - _start[id].Cpu;
                    _start[id] = (pid, 0);
                }

                _start.TryAdd(id, (pid, cpu));
                _last[id] = (pid, cpu);
            }
        }
    }

    public async Task<List<ResourceUsage>> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        Sample();
        var seconds = _clock.Elapsed.TotalSeconds;
        lock (_peak)
        {
            return [.. Instances().Where(i => _last.ContainsKey(i.Id)).Select(i =>
            {
                var cpu = _carried.GetValueOrDefault(i.Id) + _last[i.Id].Cpu - _start[i.Id].Cpu;
                var (proportional, own) = ProcessTree.ShareMegabytes(i.Pid, i.Sum);
                return new ResourceUsage(
                    i.Id, Math.Round(cpu, 1), Math.Round(100 * cpu / seconds, 1), Math.Round(ProcessTree.ResidentMegabytes(i.Pid, i.Sum), 1),
                    Math.Round(_peak.GetValueOrDefault(i.Id), 1), Math.Round(proportional, 1), Math.Round(own, 1));
            })];
        }
    }

    public static string Table(IEnumerable<ResourceUsage> usage)
    {
        var text = new System.Text.StringBuilder("| resource | CPU s | CPU % of one core | RSS MB (end) | RSS MB (peak) | PSS MB (end) | private MB (end) |\n|---|---|---|---|---|---|---|\n");
        foreach (var u in usage)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {u.Instance} | {u.CpuSeconds:0.0} | {u.CpuPercentOfOneCore:0.0} | {u.ResidentMb:0} | {u.PeakResidentMb:0} | {u.ProportionalMb:0} | {u.PrivateMb:0} |"));
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _sampling;
        }

        _stop.Dispose();
    }
}
