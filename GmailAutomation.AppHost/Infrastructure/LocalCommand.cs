using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>Runs a short preparation command (initdb, install) to completion, logging what it prints.</summary>
internal static class LocalCommand
{
    public static async Task RunAsync(
        ILogger logger, string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken, string? standardInput = null)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteLineAsync(standardInput.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        foreach (var line in (await output + await error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            logger.LogInformation("{Command}: {Line}", Path.GetFileName(fileName), line);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', start.ArgumentList)} exited with code {process.ExitCode}.");
        }
    }

    /// <summary>True when this process runs as root (PostgreSQL must then be run as another user).</summary>
    public static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";
}

/// <summary>File permissions for secrets and PostgreSQL's data directory (no-ops on Windows, which has no local processes).</summary>
internal static class UnixPermissions
{
    public static void OwnerOnly(string path, bool directory = false)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | (directory ? UnixFileMode.UserExecute : 0));
        }
    }
}
