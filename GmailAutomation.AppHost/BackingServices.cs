using GmailAutomation.AppHost.Infrastructure;

namespace GmailAutomation.AppHost;

/// <summary>The three backing services every service connects to by name.</summary>
internal sealed record BackingServices(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> RabbitMq,
    IResourceBuilder<IResourceWithConnectionString> Postgres,
    Func<string, IResourceBuilder<IResourceWithConnectionString>> AddDatabase,
    DataFolder Data);

internal static class BackingServicesExtensions
{
    private const string RabbitMqUser = "gmailautomation";

    /// <summary>
    /// Declares redis, rabbitmq and postgres once: Aspire's containers in publish mode and where a container runtime
    /// answers, local processes otherwise (<c>Infrastructure:Mode</c> decides when set).
    /// </summary>
    public static BackingServices AddBackingServices(this IDistributedApplicationBuilder builder)
    {
        var settings = InfrastructureSettings.Resolve(builder);
        var redisPassword = builder.AddGeneratedSecret("redis-password", settings.Data);
        var rabbitUser = builder.AddParameter("rabbitmq-username", RabbitMqUser, publishValueAsDefault: true);
        var rabbitPassword = builder.AddGeneratedSecret("rabbitmq-password", settings.Data);
        var postgresPassword = builder.AddGeneratedSecret("postgres-password", settings.Data);
        var databases = new Dictionary<string, IResourceBuilder<IResourceWithConnectionString>>();

        if (settings.Mode == InfrastructureMode.LocalProcesses)
        {
            var localPostgres = builder.AddLocalPostgres("postgres", settings.Data, postgresPassword);
            return new BackingServices(
                builder.AddLocalRedis("redis", settings.Data, redisPassword).AsConnectionString(),
                builder.AddLocalRabbitMQ("rabbitmq", settings.Data, rabbitUser, rabbitPassword).AsConnectionString(),
                localPostgres.AsConnectionString(),
                name => databases.TryGetValue(name, out var db) ? db : databases[name] = localPostgres.AddDatabase(name).AsConnectionString(),
                settings.Data);
        }

        var redis = builder.AddRedis("redis", password: redisPassword);
        var rabbitmq = builder.AddRabbitMQ("rabbitmq", rabbitUser, rabbitPassword);
        var postgres = builder.AddPostgres("postgres", password: postgresPassword)
            .WithArgs("-c", $"max_connections={BackingServiceLimits.PostgresMaxConnections}");
        if (builder.ExecutionContext.IsRunMode)
        {
            // Containers keep their data in the same durable folder, so a wipe clears them too.
            redis.WithDataBindMount(settings.Data.Combine("containers/redis"));
            rabbitmq.WithDataBindMount(settings.Data.Combine("containers/rabbitmq"));
            postgres.WithDataBindMount(settings.Data.Combine("containers/postgres"));
        }

        return new BackingServices(
            redis.AsConnectionString(),
            rabbitmq.AsConnectionString(),
            postgres.AsConnectionString(),
            name => databases.TryGetValue(name, out var db) ? db : databases[name] = postgres.AddDatabase(name).AsConnectionString(),
            settings.Data);
    }

    /// <summary>Gives a service redis, rabbitmq and its own database, and waits for them.</summary>
    public static IResourceBuilder<ProjectResource> WithBackingServices(
        this IResourceBuilder<ProjectResource> project, BackingServices infra, string database)
    {
        var db = infra.AddDatabase(database);
        return project
            .WithReference(infra.Redis).WaitFor(infra.Redis)
            .WithReference(infra.RabbitMq).WaitFor(infra.RabbitMq)
            .WithReference(db).WaitFor(db);
    }

    /// <summary>
    /// The gateway reports the health and version of every backing service on /api/status; it already holds
    /// redis and rabbitmq through <see cref="WithBackingServices"/>, this adds the PostgreSQL server itself.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithStatusOf(this IResourceBuilder<ProjectResource> gateway, BackingServices infra) =>
        gateway.WithReference(infra.Postgres).WaitFor(infra.Postgres);

    /// <summary>The stable entry point for people and checks: http://localhost:8080 in run mode (Gateway:Port to change, 0 for any free port).</summary>
    public static IResourceBuilder<ProjectResource> WithGatewayEndpoint(this IResourceBuilder<ProjectResource> gateway)
    {
        var configured = gateway.ApplicationBuilder.Configuration["Gateway:Port"];
        int? port = configured is null ? 8080 : configured == "0" ? null : int.Parse(configured, System.Globalization.CultureInfo.InvariantCulture);
        return gateway.WithEndpoint("http", endpoint =>
        {
            endpoint.Port = port;
            endpoint.IsProxied = false;
        });
    }

    /// <summary>
    /// A generated secret (no special characters, so it needs no escaping in URIs or config files). In run mode
    /// it is kept in the data folder, so a restarted AppHost can still log in to the data it created.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddGeneratedSecret(
        this IDistributedApplicationBuilder builder, string name, DataFolder data, int minLength = 22)
    {
        var generator = new GenerateParameterDefault { MinLength = minLength, Special = false };
        ParameterDefault value = builder.ExecutionContext.IsRunMode ? new PersistedParameterDefault(data, name, generator) : generator;
        return builder.AddParameter(name, value, secret: true);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(this IResourceBuilder<T> resource)
        where T : IResourceWithConnectionString =>
        resource.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);
}
