using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GmailAutomation.AppHost.Infrastructure;

/// <summary>
/// PostgreSQL from Debian's packages run by DCP: <c>initdb</c> once (scram-sha-256, superuser password from the
/// parameter), then <c>postgres</c> on an Aspire-allocated port. PostgreSQL refuses to run as root, so under root
/// both run as the <c>postgres</c> user. The connection string has the format of Aspire's PostgreSQL resource.
/// </summary>
internal sealed class LocalPostgresServerResource(
    string name, string command, string workingDirectory, string binDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";
    public const string UserName = "postgres";

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The folder of initdb and postgres, e.g. /usr/lib/postgresql/15/bin.</summary>
    public string BinDirectory { get; } = binDirectory;

    public string DataDirectory => Path.Combine(WorkingDirectory, "pgdata");

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public List<LocalPostgresDatabaseResource> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={PasswordParameter}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
        new("Username", ReferenceExpression.Create($"{UserName}")),
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
        new("Uri", ReferenceExpression.Create(
            $"postgresql://{UserName}:{PasswordParameter:uri}@{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}")),
    ];
}

/// <summary>One database of the local PostgreSQL, created once the server is ready.</summary>
internal sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    public LocalPostgresServerResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties() =>
    [
        .. ((IResourceWithConnectionString)Parent).GetConnectionProperties().Where(property => property.Key != "Uri"),
        new("DatabaseName", ReferenceExpression.Create($"{DatabaseName}")),
        new("Uri", ReferenceExpression.Create(
            $"postgresql://{LocalPostgresServerResource.UserName}:{Parent.PasswordParameter:uri}@{Parent.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}/{DatabaseName}")),
    ];
}

internal static class LocalPostgresExtensions
{
    private const string ServiceUser = "postgres";

    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, DataFolder data, IResourceBuilder<ParameterResource> password)
    {
        var directory = data.Combine(name);
        Directory.CreateDirectory(directory);
        var binDirectory = builder.Configuration["Infrastructure:PostgresBinPath"] ?? FindPostgresBinDirectory();
        var postgresExecutable = Path.Combine(binDirectory, "postgres");

        // Under root, setpriv switches to the postgres user and then becomes postgres itself, so the signal DCP
        // sends on stop reaches the server directly (runuser would stay in between and kill it after 2 seconds).
        var server = LocalCommand.IsRoot
            ? new LocalPostgresServerResource(name, "setpriv", directory, binDirectory, password.Resource)
            : new LocalPostgresServerResource(name, postgresExecutable, directory, binDirectory, password.Resource);
        var postgres = builder.AddResource(server);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgresHealthCheck(server), failureStatus: null, tags: null));

        return postgres
            .WithEndpoint(name: LocalPostgresServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                if (LocalCommand.IsRoot)
                {
                    context.Args.Add($"--reuid={ServiceUser}");
                    context.Args.Add($"--regid={ServiceUser}");
                    context.Args.Add("--init-groups");
                    context.Args.Add("--");
                    context.Args.Add(postgresExecutable);
                }

                context.Args.Add("-D");
                context.Args.Add(server.DataDirectory);
                context.Args.Add("-p");
                context.Args.Add(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("-c");
                context.Args.Add("listen_addresses=localhost");
                // TCP only: no socket file in a system folder that two servers would fight over.
                context.Args.Add("-c");
                context.Args.Add("unix_socket_directories=");
                context.Args.Add("-c");
                context.Args.Add("logging_collector=off");
                context.Args.Add("-c");
                context.Args.Add($"max_connections={BackingServiceLimits.PostgresMaxConnections}");
            })
            .OnBeforeResourceStarted(async (resource, @event, cancellationToken) =>
            {
                var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
                var secret = await resource.PasswordParameter.GetValueAsync(cancellationToken)
                    ?? throw new InvalidOperationException($"{name} has no password.");
                await InitializeDataDirectoryAsync(resource, secret, logger, cancellationToken);
            })
            .OnResourceReady(async (resource, @event, cancellationToken) =>
            {
                // Like Aspire's own PostgreSQL databases: created once the server answers, then reported running
                // so that their health checks (and everything waiting for them) can proceed.
                var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
                await CreateDatabasesAsync(resource, logger, cancellationToken);
                await PublishDatabaseStateAsync(@event.Services, resource, KnownResourceStates.Running);
            })
            .OnResourceStopped(async (resource, @event, _) =>
                await PublishDatabaseStateAsync(@event.Services, resource, KnownResourceStates.Exited))
            .WithHealthCheck(healthCheckKey)
            .WithIconName("DatabaseStack");
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresServerResource> postgres, string name)
    {
        var builder = postgres.ApplicationBuilder;
        var database = new LocalPostgresDatabaseResource(name, name, postgres.Resource);
        postgres.Resource.Databases.Add(database);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgresHealthCheck(database), failureStatus: null, tags: null));

        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.NotStarted,
                Properties = [new("postgres.database", database.DatabaseName)],
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Database");
    }

    private static async Task InitializeDataDirectoryAsync(
        LocalPostgresServerResource server, string password, ILogger logger, CancellationToken cancellationToken)
    {
        var dataDirectory = server.DataDirectory;
        if (LocalCommand.IsRoot)
        {
            // PostgreSQL insists on a data directory that belongs to its user and nobody else can read.
            await LocalCommand.RunAsync(logger, "install",
                ["-d", "-o", ServiceUser, "-g", ServiceUser, "-m", "700", dataDirectory], cancellationToken);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            UnixPermissions.OwnerOnly(dataDirectory, directory: true);
        }

        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            logger.LogInformation("PostgreSQL data in {Directory}", dataDirectory);
            return;
        }

        logger.LogInformation("Creating a PostgreSQL cluster in {Directory}", dataDirectory);
        var passwordFile = Path.Combine(server.WorkingDirectory, "initdb.pwfile");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken);
        UnixPermissions.OwnerOnly(passwordFile);
        try
        {
            string[] initdb =
            [
                Path.Combine(server.BinDirectory, "initdb"),
                "-D", dataDirectory,
                $"--username={LocalPostgresServerResource.UserName}",
                "--auth=scram-sha-256",
                $"--pwfile={passwordFile}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ];
            if (LocalCommand.IsRoot)
            {
                await LocalCommand.RunAsync(logger, "chown", [ServiceUser, passwordFile], cancellationToken);
                await LocalCommand.RunAsync(logger, "runuser", ["-u", ServiceUser, "--", .. initdb], cancellationToken);
            }
            else
            {
                await LocalCommand.RunAsync(logger, initdb[0], initdb[1..], cancellationToken);
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task PublishDatabaseStateAsync(IServiceProvider services, LocalPostgresServerResource server, string state)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        foreach (var database in server.Databases)
        {
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = state,
                StartTimeStamp = state == KnownResourceStates.Running ? DateTime.UtcNow : snapshot.StartTimeStamp,
                StopTimeStamp = state == KnownResourceStates.Running ? null : DateTime.UtcNow,
            });
        }
    }

    private static async Task CreateDatabasesAsync(LocalPostgresServerResource server, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(
            await PostgresHealthCheck.ConnectionStringAsync(server, cancellationToken));
        await connection.OpenAsync(cancellationToken);
        foreach (var database in server.Databases)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
            {
                Parameters = { new() { Value = database.DatabaseName } },
            };
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                continue;
            }

            // Identifiers cannot be parameters; the name is quoted and comes from the AppHost's own wiring.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Created database {Database}", database.DatabaseName);
        }
    }

    private static string FindPostgresBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var newest = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(directory => (Directory: directory, Version: int.TryParse(Path.GetFileName(directory), out var version) ? version : 0))
                .Where(candidate => File.Exists(Path.Combine(candidate.Directory, "bin", "postgres")))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => Path.Combine(candidate.Directory, "bin"))
                .FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            $"No PostgreSQL server found under {root}; install postgresql or set Infrastructure:PostgresBinPath.");
    }
}

/// <summary>
/// Opens a real connection and runs <c>SELECT 1</c>. Unpooled, so that the AppHost holds no idle connection that
/// would keep PostgreSQL's shutdown waiting.
/// </summary>
internal sealed class PostgresHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public static async Task<string> ConnectionStringAsync(IResourceWithConnectionString resource, CancellationToken cancellationToken) =>
        new NpgsqlConnectionStringBuilder(await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
        {
            Pooling = false,
            Timeout = 5,
        }.ConnectionString;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(await ConnectionStringAsync(resource, cancellationToken));
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{resource.Name} does not answer: {exception.Message}", exception);
        }
    }
}
