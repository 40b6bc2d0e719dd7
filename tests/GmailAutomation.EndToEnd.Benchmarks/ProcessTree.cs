using System.Globalization;

namespace GmailAutomation.EndToEnd.Benchmarks;

/// <summary>CPU time and resident size of a process and its descendants, read from /proc (Linux only, like the run).</summary>
internal static class ProcessTree
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux build we run on.
    private const double TicksPerSecond = 100;

    /// <summary>The process and every descendant.</summary>
    public static List<int> Of(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Stat(pid) is not { } stat)
            {
                continue;
            }

            if (!children.TryGetValue(stat.ParentId, out var list))
            {
                children[stat.ParentId] = list = [];
            }

            list.Add(pid);
        }

        var all = new List<int>();
        var pending = new Stack<int>([root]);
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            all.Add(pid);
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }

        return all;
    }

    /// <summary>
    /// User + system CPU seconds of the tree: the root's own and that of the children it has reaped (PostgreSQL's
    /// backends come and go), plus the live descendants'. Null when the root is gone (killed, not restarted yet).
    /// </summary>
    public static double? CpuSeconds(int root)
    {
        if (Stat(root) is not { } own)
        {
            return null;
        }

        return own.CpuSeconds + own.ReapedChildrenCpuSeconds + Of(root).Skip(1).Sum(pid => Stat(pid)?.CpuSeconds ?? 0);
    }

    /// <summary>Resident size in MB of the processes a figure is about (see <see cref="Measured"/>).</summary>
    public static double ResidentMegabytes(int root, bool sum) => Measured(root, sum).Sum(Resident) / 1024.0;

    /// <summary>
    /// Proportional set size (shared pages divided among the processes mapping them, so the runtime's libraries are
    /// not counted in full in every service) and private resident size, in MB, of the same processes as
    /// <see cref="ResidentMegabytes"/>.
    /// </summary>
    public static (double Proportional, double Private) ShareMegabytes(int root, bool sum)
    {
        var rollups = Measured(root, sum).Select(Rollup).ToList();
        return (rollups.Sum(r => r.Pss) / 1024.0, rollups.Sum(r => r.Private) / 1024.0);
    }

    /// <summary>
    /// The processes a memory figure is about. For a .NET service, the largest process of the tree (the service itself,
    /// not the launcher around it); for a server with worker processes (PostgreSQL), all of them, whose sum
    /// over-counts shared pages.
    /// </summary>
    private static List<int> Measured(int root, bool sum)
    {
        var tree = Of(root);
        if (sum)
        {
            return tree;
        }

        // DCP starts a project as `dotnet run --no-build`, whose CLI process stays as the service's parent: not the service.
        var service = tree.Where(pid => !IsDotnetRun(pid)).ToList();
        return [.. (service.Count > 0 ? service : tree).OrderByDescending(Resident).Take(1)];
    }

    /// <summary>Pss and Private_Clean + Private_Dirty from /proc/&lt;pid&gt;/smaps_rollup, in kB.</summary>
    private static (long Pss, long Private) Rollup(int pid)
    {
        long pss = 0, own = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                var kb = line.IndexOf(':') is var colon and > 0 ? line[(colon + 1)..].Trim().Split(' ')[0] : null;
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    pss = long.Parse(kb!, CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Private_Clean:", StringComparison.Ordinal) || line.StartsWith("Private_Dirty:", StringComparison.Ordinal))
                {
                    own += long.Parse(kb!, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process ended.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours to read.
        }

        return (pss, own);
    }

    private static bool IsDotnetRun(int pid)
    {
        try
        {
            var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return args.Length > 1 && args[1] == "run";
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL to every process of the tree, children first so none is re-parented and survives.</summary>
    public static void KillTree(int root)
    {
        foreach (var pid in Enumerable.Reverse(Of(root)))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Exited between the listing and the kill.
            }
        }
    }

    private static long Resident(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process ended.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours to read.
        }

        return 0;
    }

    private static (int ParentId, double CpuSeconds, double ReapedChildrenCpuSeconds)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' are plain.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var reaped = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            return (parent, ticks / TicksPerSecond, reaped / TicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
