using System.Diagnostics;
using System.Security.Cryptography;

namespace GmailAutomation.Testing;

/// <summary>
/// A real PostgreSQL 15 server (Debian's package) on a free 127.0.0.1 port with scram-sha-256
/// authentication, its cluster in a temporary folder. PostgreSQL refuses to run as root, so
/// <c>initdb</c> and <c>postgres</c> run as the <c>postgres</c> user through <c>runuser</c> when the
/// tests run as root. Use <see cref="GetSharedAsync"/> for one server per test process.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static LocalPostgresServer? shared;

    private readonly TempDirectory _directory;
    private readonly LocalProcess _server;

    private LocalPostgresServer(TempDirectory directory, LocalProcess server, int port, string password)
    {
        _directory = directory;
        _server = server;
        Port = port;
        Password = password;
    }

    /// <summary>Folder of the PostgreSQL binaries; override with <c>POSTGRES_BIN</c>.</summary>
    public static string BinDirectory =>
        Environment.GetEnvironmentVariable("POSTGRES_BIN") is { Length: > 0 } path ? path : "/usr/lib/postgresql/15/bin";

    public string Host => "127.0.0.1";

    public int Port { get; }

    public string UserName => "postgres";

    public string Password { get; }

    /// <summary>Npgsql connection string of the server (no database: Npgsql then uses <c>postgres</c>).</summary>
    public string ConnectionString => $"Host={Host};Port={Port};Username={UserName};Password={Password}";

    /// <summary>Npgsql connection string of <paramref name="database"/> on this server (create it first with <see cref="CreateDatabaseAsync"/>).</summary>
    public string ConnectionStringFor(string database) => $"{ConnectionString};Database={database}";

    public static async Task<LocalPostgresServer> GetSharedAsync(CancellationToken cancellationToken = default)
    {
        await SharedGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (shared is null)
            {
                shared = await StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                var server = shared;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server._server.KillTree();
            }

            return shared;
        }
        finally
        {
            SharedGate.Release();
        }
    }

    /// <summary>Initialises a cluster and starts the server, waiting (bounded) until it accepts connections.</summary>
    public static async Task<LocalPostgresServer> StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var directory = new TempDirectory("postgres");
        try
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
            var data = directory.Sub("data");
            var sockets = directory.Sub("sockets");
            var passwordFile = System.IO.Path.Combine(directory.Path, "pwfile");
            await File.WriteAllTextAsync(passwordFile, password, cancellationToken).ConfigureAwait(false);
            await GiveToPostgresUserAsync(directory.Path).ConfigureAwait(false);

            await RunToCompletionAsync(
                "initdb",
                ["-D", data, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                cancellationToken).ConfigureAwait(false);

            var port = FreePort.Next();
            var server = StartAsPostgresUser(
                "postgres",
                ["-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", sockets,
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200"]);
            await server.WaitUntilAsync(ct => IsReadyAsync(port, ct), timeout ?? TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return new LocalPostgresServer(directory, server, port, password);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Creates <paramref name="database"/> unless it exists; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(database, "^[a-z_][a-z0-9_]*$"))
        {
            throw new ArgumentException("Use a lowercase SQL identifier.", nameof(database));
        }

        await RunPsqlAsync($"SELECT 'CREATE DATABASE {database}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')\\gexec", cancellationToken).ConfigureAwait(false);
        return ConnectionStringFor(database);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _directory.Dispose();
    }

    private async Task RunPsqlAsync(string sql, CancellationToken cancellationToken)
    {
        var psql = LocalProcess.Start(
            System.IO.Path.Combine(BinDirectory, "psql"),
            ["-h", Host, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", UserName, "-v", "ON_ERROR_STOP=1", "-d", "postgres"],
            new Dictionary<string, string> { ["PGPASSWORD"] = Password });
        await using (psql.ConfigureAwait(false))
        {
            await psql.WriteInputAndCloseAsync(sql).ConfigureAwait(false);
            var exit = await psql.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (exit != 0)
            {
                throw new InvalidOperationException($"psql failed ({exit}):{Environment.NewLine}{psql.Output}");
            }
        }
    }

    private static async Task<bool> IsReadyAsync(int port, CancellationToken cancellationToken)
    {
        var probe = LocalProcess.Start(System.IO.Path.Combine(BinDirectory, "pg_isready"), ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await using (probe.ConfigureAwait(false))
        {
            return await probe.WaitForExitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false) == 0;
        }
    }

    private static async Task RunToCompletionAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var process = StartAsPostgresUser(program, arguments);
        await using (process.ConfigureAwait(false))
        {
            var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            if (exit != 0)
            {
                throw new InvalidOperationException($"{program} failed ({exit}):{Environment.NewLine}{process.Output}");
            }
        }
    }

    /// <summary>PostgreSQL refuses root: as root, run the binary as the postgres user.</summary>
    private static LocalProcess StartAsPostgresUser(string program, IReadOnlyList<string> arguments)
    {
        var binary = System.IO.Path.Combine(BinDirectory, program);
        return IsRoot
            ? LocalProcess.Start("runuser", ["-u", "postgres", "--", binary, .. arguments])
            : LocalProcess.Start(binary, arguments);
    }

    private static async Task GiveToPostgresUserAsync(string path)
    {
        if (!IsRoot)
        {
            return;
        }

        var chown = LocalProcess.Start("chown", ["-R", "postgres:postgres", path]);
        await using (chown.ConfigureAwait(false))
        {
            if (await chown.WaitForExitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false) != 0)
            {
                throw new InvalidOperationException($"chown of {path} failed:{Environment.NewLine}{chown.Output}");
            }
        }
    }

    private static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root" || GetEuid() == 0;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
