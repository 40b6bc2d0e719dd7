namespace GmailAutomation.AppHost;

/// <summary>The three backing services every service connects to by name.</summary>
internal sealed record BackingServices(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> RabbitMq,
    IResourceBuilder<IResourceWithConnectionString> Postgres,
    Func<string, IResourceBuilder<IResourceWithConnectionString>> AddDatabase);

internal static class BackingServicesExtensions
{
    /// <summary>Declares redis, rabbitmq and postgres once.</summary>
    public static BackingServices AddBackingServices(this IDistributedApplicationBuilder builder)
    {
        var redis = builder.AddRedis("redis");
        var rabbitmq = builder.AddRabbitMQ("rabbitmq");
        var postgres = builder.AddPostgres("postgres");
        var databases = new Dictionary<string, IResourceBuilder<IResourceWithConnectionString>>();
        return new BackingServices(
            redis.AsConnectionString(),
            rabbitmq.AsConnectionString(),
            postgres.AsConnectionString(),
            name => databases.TryGetValue(name, out var db) ? db : databases[name] = postgres.AddDatabase(name).AsConnectionString());
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

    /// <summary>The gateway reports the health and version of every backing service on /api/status.</summary>
    public static IResourceBuilder<ProjectResource> WithStatusOf(this IResourceBuilder<ProjectResource> gateway, BackingServices infra) =>
        gateway
            .WithReference(infra.Redis).WaitFor(infra.Redis)
            .WithReference(infra.RabbitMq).WaitFor(infra.RabbitMq)
            .WithReference(infra.Postgres).WaitFor(infra.Postgres);

    /// <summary>The stable entry point for people and checks: http://localhost:8080 in run mode (Gateway:Port to change).</summary>
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

    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(this IResourceBuilder<T> resource)
        where T : IResourceWithConnectionString =>
        resource.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);
}
