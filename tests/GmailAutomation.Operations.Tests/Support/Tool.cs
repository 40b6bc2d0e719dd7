using System.Diagnostics;

namespace GmailAutomation.Operations.Tests.Support;

/// <summary>Runs a command-line tool (promtool, amtool) to the end within a time limit.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Output)
    {
        public override string ToString() => $"exit {ExitCode}:\n{Output}";
    }

    public static async Task<Result> RunAsync(string fileName, string workingDirectory, params string[] arguments)
    {
        var path = Find(fileName);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within a minute.");
        }

        return new Result(process.ExitCode, (await output) + (await error));
    }

    /// <summary>The tool on PATH; eng/common.sh installs Debian's prometheus and prometheus-alertmanager for it.</summary>
    private static string Find(string fileName)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(folder, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{fileName} is not installed; eng/common.sh installs it (Debian packages prometheus and prometheus-alertmanager).", fileName);
    }
}
