using Microsoft.Extensions.Configuration;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>How redis, rabbitmq and postgres are provided.</summary>
internal enum InfrastructureMode
{
    /// <summary>Aspire's own container resources (publish mode, and run mode with a container runtime).</summary>
    Containers,

    /// <summary>Debian's redis-server, rabbitmq-server and PostgreSQL run as local processes by DCP.</summary>
    LocalProcesses,
}

/// <summary>
/// The <c>Infrastructure</c> configuration section: <c>Mode</c> (detected when absent), <c>DataPath</c>
/// (default <c>&lt;repo&gt;/.data</c>) and <c>Wipe</c> (empty the data folder at start; <c>--wipe</c> on the command line).
/// </summary>
internal sealed record InfrastructureSettings(InfrastructureMode Mode, DataFolder Data)
{
    public const string Section = "Infrastructure";

    /// <summary>The command-line shorthand for <c>Infrastructure:Wipe=true</c>.</summary>
    public const string WipeSwitch = "--wipe";

    /// <summary>Turns <c>--wipe</c> into a configuration key before the builder parses the command line.</summary>
    public static string[] ExpandArguments(string[] args) =>
        [.. args.Select(arg => arg == WipeSwitch ? $"--{Section}:Wipe=true" : arg)];

    public static InfrastructureSettings Resolve(IDistributedApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(Section);
        var dataPath = Path.GetFullPath(section["DataPath"] is { Length: > 0 } configured
            ? Path.Combine(builder.AppHostDirectory, configured)
            : Path.Combine(builder.AppHostDirectory, "..", ".data"));

        if (builder.ExecutionContext.IsPublishMode)
        {
            // The manifest always describes the container resources; nothing is written to disk.
            return new InfrastructureSettings(InfrastructureMode.Containers, new DataFolder(dataPath));
        }

        var mode = section["Mode"] switch
        {
            null or "" => ContainerRuntimeProbe.Detect(builder.Configuration) is { } runtime
                ? UseRuntime(builder, runtime)
                : InfrastructureMode.LocalProcesses,
            var value when Enum.TryParse<InfrastructureMode>(value, ignoreCase: true, out var parsed) => parsed,
            var value => throw new InvalidOperationException(
                $"{Section}:Mode '{value}' is not one of {string.Join(", ", Enum.GetNames<InfrastructureMode>())}."),
        };

        var data = new DataFolder(dataPath);
        data.Prepare(wipe: section.GetValue<bool>("Wipe"));
        return new InfrastructureSettings(mode, data);
    }

    private static InfrastructureMode UseRuntime(IDistributedApplicationBuilder builder, string runtime)
    {
        // DCP talks to docker unless told otherwise; a machine with only podman must say so.
        builder.Configuration[ContainerRuntimeProbe.RuntimeConfigurationKey] ??= runtime;
        return InfrastructureMode.Containers;
    }
}
