using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>
/// Debian's RabbitMQ run by DCP with every file (database, logs, plugins, feature flags, Erlang cookie) in the
/// data folder and its own Erlang port mapper, so that two AppHosts on one machine never share a port or a node.
/// Its connection string has the format of Aspire's RabbitMQ resource (<c>amqp://user:password@host:port</c>).
/// </summary>
internal sealed class LocalRabbitMQResource(
    string name, string workingDirectory, ParameterResource userName, ParameterResource password)
    : ExecutableResource(name, "/usr/lib/rabbitmq/bin/rabbitmq-server", workingDirectory), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";
    public const string DistributionEndpointName = "dist";

    public ParameterResource UserNameParameter { get; } = userName;

    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public EndpointReference DistributionEndpoint => field ??= new(this, DistributionEndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://{UserNameParameter:uri}:{PasswordParameter:uri}@{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
        new("Username", ReferenceExpression.Create($"{UserNameParameter}")),
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
        new("Uri", ConnectionStringExpression),
    ];

    public string ConfigurationFile => Path.Combine(WorkingDirectory, "rabbitmq.conf");

    public string DefinitionsFile => Path.Combine(WorkingDirectory, "definitions.json");

    /// <summary>
    /// The node name is stable for one data folder (its database is stored under it) and differs between
    /// data folders, so a test AppHost and a development AppHost run side by side.
    /// </summary>
    public string NodeName => $"rabbit-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(WorkingDirectory)))[..8]}@localhost";
}

/// <summary>The Erlang port mapper daemon for one local RabbitMQ, on its own port, stopped with the AppHost.</summary>
internal sealed class ErlangPortMapperResource(string name, string workingDirectory)
    : ExecutableResource(name, "epmd", workingDirectory)
{
    public const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);
}

internal static class LocalRabbitMQExtensions
{
    public static IResourceBuilder<LocalRabbitMQResource> AddLocalRabbitMQ(
        this IDistributedApplicationBuilder builder,
        string name,
        DataFolder data,
        IResourceBuilder<ParameterResource> userName,
        IResourceBuilder<ParameterResource> password)
    {
        var directory = data.Combine(name);
        Directory.CreateDirectory(directory);

        // Without a port mapper of its own, RabbitMQ would start a machine-wide one that outlives the AppHost.
        var epmd = builder.AddResource(new ErlangPortMapperResource($"{name}-epmd", directory));
        var epmdHealthCheckKey = $"{epmd.Resource.Name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            epmdHealthCheckKey, _ => new TcpPortHealthCheck(epmd.Resource.PrimaryEndpoint), failureStatus: null, tags: null));
        epmd.WithEndpoint(name: ErlangPortMapperResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("-address");
                context.Args.Add("127.0.0.1");
                context.Args.Add("-port");
                context.Args.Add(epmd.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(epmdHealthCheckKey)
            .WithIconName("PlugConnected");

        var rabbitmq = builder.AddResource(new LocalRabbitMQResource(name, directory, userName.Resource, password.Resource));
        epmd.WithParentRelationship(rabbitmq);

        IConnection? connection = null;
        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRabbitMQ(
            async _ => connection ??= await new ConnectionFactory
            {
                Uri = new Uri(connectionString ?? throw new InvalidOperationException($"{name} has no connection string yet.")),
            }.CreateConnectionAsync(),
            name: healthCheckKey);

        var resource = rabbitmq.Resource;
        return rabbitmq
            .WithEndpoint(name: LocalRabbitMQResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithEndpoint(name: LocalRabbitMQResource.DistributionEndpointName, scheme: "tcp", isProxied: false)
            .WithEnvironment(context =>
            {
                string InData(string entry) => Path.Combine(resource.WorkingDirectory, entry);
                context.EnvironmentVariables["HOME"] = resource.WorkingDirectory; // the Erlang cookie lives in $HOME
                context.EnvironmentVariables["RABBITMQ_NODENAME"] = resource.NodeName;
                context.EnvironmentVariables["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
                context.EnvironmentVariables["RABBITMQ_NODE_PORT"] = resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort);
                context.EnvironmentVariables["RABBITMQ_DIST_PORT"] = resource.DistributionEndpoint.Property(EndpointProperty.TargetPort);
                context.EnvironmentVariables["ERL_EPMD_PORT"] = epmd.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort);
                context.EnvironmentVariables["RABBITMQ_MNESIA_BASE"] = InData("mnesia");
                context.EnvironmentVariables["RABBITMQ_LOG_BASE"] = InData("log");
                context.EnvironmentVariables["RABBITMQ_LOGS"] = "-"; // to stdout, i.e. the dashboard's console log
                context.EnvironmentVariables["RABBITMQ_PID_FILE"] = InData("rabbitmq.pid");
                context.EnvironmentVariables["RABBITMQ_ENABLED_PLUGINS_FILE"] = InData("enabled_plugins");
                context.EnvironmentVariables["RABBITMQ_FEATURE_FLAGS_FILE"] = InData("feature_flags");
                context.EnvironmentVariables["RABBITMQ_CONFIG_FILE"] = resource.ConfigurationFile;
                context.EnvironmentVariables["RABBITMQ_ADVANCED_CONFIG_FILE"] = InData("advanced.config");
                context.EnvironmentVariables["RABBITMQ_CONF_ENV_FILE"] = InData("rabbitmq-env.conf");
            })
            .OnBeforeResourceStarted(async (resource, @event, cancellationToken) =>
            {
                var user = await resource.UserNameParameter.GetValueAsync(cancellationToken)
                    ?? throw new InvalidOperationException($"{name} has no user name.");
                var secret = await resource.PasswordParameter.GetValueAsync(cancellationToken)
                    ?? throw new InvalidOperationException($"{name} has no password.");
                await WriteConfigurationAsync(resource, user, secret, cancellationToken);
                connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource)
                    .LogInformation("RabbitMQ node {Node}, data in {Directory}", resource.NodeName, resource.WorkingDirectory);
            })
            .WaitFor(epmd)
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Mailbox");
    }

    /// <summary>
    /// No plugins (fast start), no guest user: the definitions imported at every boot create the configured
    /// user with full rights on the default virtual host and keep its password in step with the parameter.
    /// </summary>
    private static async Task WriteConfigurationAsync(
        LocalRabbitMQResource resource, string user, string password, CancellationToken cancellationToken)
    {
        string InData(string entry) => Path.Combine(resource.WorkingDirectory, entry);
        await File.WriteAllTextAsync(InData("enabled_plugins"), "[].\n", cancellationToken);
        await File.WriteAllTextAsync(InData("advanced.config"), "[].\n", cancellationToken);
        await File.WriteAllTextAsync(InData("rabbitmq-env.conf"), "", cancellationToken);
        await File.WriteAllTextAsync(resource.ConfigurationFile, $"""
            # Written by GmailAutomation.AppHost at every start.
            loopback_users = none
            load_definitions = {resource.DefinitionsFile}
            log.console = true
            log.console.level = info
            log.file = false
            """, cancellationToken);

        var definitions = new
        {
            users = new[]
            {
                new
                {
                    name = user,
                    password_hash = HashPassword(password),
                    hashing_algorithm = "rabbit_password_hashing_sha256",
                    tags = new[] { "administrator" },
                },
            },
            vhosts = new[] { new { name = "/" } },
            permissions = new[] { new { user, vhost = "/", configure = ".*", write = ".*", read = ".*" } },
        };
        await File.WriteAllTextAsync(resource.DefinitionsFile, JsonSerializer.Serialize(definitions), cancellationToken);
        UnixPermissions.OwnerOnly(resource.DefinitionsFile);
    }

    /// <summary>RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ utf8(password))), 4-byte salt.</summary>
    internal static string HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(4);
        var hash = SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(password)]);
        return Convert.ToBase64String([.. salt, .. hash]);
    }
}

/// <summary>Healthy when something accepts TCP connections on the endpoint (for a daemon with no protocol to ping).</summary>
internal sealed class TcpPortHealthCheck(EndpointReference endpoint) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", endpoint.TargetPort ?? endpoint.Port, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (SocketException exception)
        {
            return HealthCheckResult.Unhealthy($"Nothing listens on port {endpoint.TargetPort}.", exception);
        }
    }
}
