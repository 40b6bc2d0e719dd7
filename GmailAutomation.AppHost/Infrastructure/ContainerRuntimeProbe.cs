using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>
/// Finds a container runtime whose engine answers. A CLI without a running engine (docker installed, daemon
/// not running) counts as no runtime, so the check asks the engine (<c>info</c>) and gives up quickly.
/// </summary>
internal static class ContainerRuntimeProbe
{
    /// <summary>The setting DCP reads to choose between docker and podman.</summary>
    public const string RuntimeConfigurationKey = "ASPIRE_CONTAINER_RUNTIME";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Returns "docker" or "podman" when its engine answers, otherwise null.</summary>
    public static string? Detect(IConfiguration configuration)
    {
        var configured = configuration[RuntimeConfigurationKey] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"];
        string[] candidates = configured is { Length: > 0 } ? [configured] : ["docker", "podman"];
        return candidates.FirstOrDefault(EngineAnswers);
    }

    private static bool EngineAnswers(string runtime)
    {
        if (ExecutableSearch.Find(runtime) is not { } path)
        {
            return false;
        }

        var start = new ProcessStartInfo(path, ["info"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return false;
            }

            // Drain the pipes so a chatty 'info' cannot block on a full buffer.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>Looks a command up on PATH the way a shell does.</summary>
internal static class ExecutableSearch
{
    public static string? Find(string command)
    {
        if (Path.IsPathRooted(command))
        {
            return File.Exists(command) ? command : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);
    }
}
