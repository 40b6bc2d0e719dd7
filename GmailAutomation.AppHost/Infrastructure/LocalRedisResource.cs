using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>
/// Debian's <c>redis-server</c> run by DCP, password-protected, append-only persistence in the data folder.
/// Its connection string has the format of Aspire's Redis resource (<c>host:port,password=…</c>).
/// </summary>
internal sealed class LocalRedisResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";

    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public string ConfigurationFile => Path.Combine(WorkingDirectory, "redis.conf");

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
        new("Uri", ReferenceExpression.Create(
            $"redis://:{PasswordParameter:uri}@{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}")),
    ];
}

internal static class LocalRedisExtensions
{
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(
        this IDistributedApplicationBuilder builder, string name, DataFolder data, IResourceBuilder<ParameterResource> password)
    {
        var directory = data.Combine(name);
        Directory.CreateDirectory(directory);
        var redis = builder.AddResource(new LocalRedisResource(name, directory, password.Resource));

        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException($"{name} has no connection string yet."),
            name: healthCheckKey);

        return redis
            .WithEndpoint(name: LocalRedisResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add(redis.Resource.ConfigurationFile);
                context.Args.Add("--port");
                context.Args.Add(redis.Resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .OnBeforeResourceStarted(async (resource, @event, cancellationToken) =>
            {
                // The password lives in a file rather than on the command line, which any local user can read.
                var secret = await resource.PasswordParameter.GetValueAsync(cancellationToken);
                await File.WriteAllTextAsync(resource.ConfigurationFile, $"""
                    # Written by GmailAutomation.AppHost at every start.
                    bind 127.0.0.1 -::1
                    protected-mode yes
                    daemonize no
                    dir {resource.WorkingDirectory}
                    requirepass "{secret}"
                    appendonly yes
                    appendfsync everysec
                    save 60 1
                    """, cancellationToken);
                UnixPermissions.OwnerOnly(resource.ConfigurationFile);
                connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource)
                    .LogInformation("Redis data in {Directory}", resource.WorkingDirectory);
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Database");
    }
}
