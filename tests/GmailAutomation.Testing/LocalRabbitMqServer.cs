using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace GmailAutomation.Testing;

/// <summary>
/// A real RabbitMQ node (Debian's <c>rabbitmq-server</c>) on free 127.0.0.1 ports, with its own Erlang port
/// mapper, a non-guest user, no plugins and all of its state in a temporary folder, so that several
/// nodes run side by side on one machine. It can be stopped and started again on the same ports and data
/// (durable queues and persistent messages survive), for broker-restart tests. Start one per test
/// assembly from a collection fixture and dispose it at the end: the whole process tree is killed.
/// </summary>
public sealed class LocalRabbitMqServer : IAsyncDisposable
{
    /// <summary>Path of the server script; override with the <c>RABBITMQ_SERVER_PATH</c> environment variable.</summary>
    public static string ServerPath =>
        Environment.GetEnvironmentVariable("RABBITMQ_SERVER_PATH") is { Length: > 0 } path ? path : "/usr/lib/rabbitmq/bin/rabbitmq-server";

    // Generous: on a machine shared by several builds a node has been seen to need more than a minute to boot.
    private static readonly TimeSpan s_defaultStartTimeout = TimeSpan.FromSeconds(150);
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory;
    private readonly Dictionary<string, string> _environment;
    private readonly LocalProcess _portMapper;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LocalProcess? _server;
    private bool _disposed;

    private LocalRabbitMqServer(TempDirectory directory, int port, int distributionPort, int portMapperPort, string nodeName)
    {
        _directory = directory;
        Port = port;
        NodeName = nodeName;
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

        var configFile = Path.Combine(directory.Path, "rabbitmq.conf");
        File.WriteAllLines(configFile,
        [
            $"listeners.tcp.1 = 127.0.0.1:{port}",
            $"default_user = {UserName}",
            $"default_pass = {Password}",
            "loopback_users = none",
            // Tests must not be throttled by a busy shared disk or by other nodes on the machine.
            "disk_free_limit.absolute = 50MB",
            "vm_memory_high_watermark.relative = 0.6",
            "log.console = false",
            "log.file.level = info",
        ]);
        var pluginsFile = Path.Combine(directory.Path, "enabled_plugins");
        File.WriteAllText(pluginsFile, "[].");
        var envFile = Path.Combine(directory.Path, "rabbitmq-env.conf");
        File.WriteAllText(envFile, string.Empty);

        var portMapper = portMapperPort.ToString(CultureInfo.InvariantCulture);
        _environment = new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = nodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_CONFIG_FILE"] = configFile,
            ["RABBITMQ_CONF_ENV_FILE"] = envFile,
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(directory.Path, "advanced.config"),
            ["RABBITMQ_MNESIA_BASE"] = directory.Sub("mnesia"),
            ["RABBITMQ_LOG_BASE"] = directory.Sub("log"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = pluginsFile,
            ["RABBITMQ_FEATURE_FLAGS_FILE"] = Path.Combine(directory.Path, "feature_flags"),
            // Loopback-only distribution; no scheduler busy-waiting, so idle test nodes leave the shared cores to the tests.
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none",
            ["HOME"] = directory.Sub("home"),
            ["ERL_EPMD_PORT"] = portMapper,
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        };

        // Our own port mapper, so that nodes of other engineers and test runs never see or stop ours.
        _portMapper = LocalProcess.Start("epmd", ["-port", portMapper, "-address", "127.0.0.1"], _environment, directory.Path);
    }

    public string Host => "127.0.0.1";

    /// <summary>The AMQP port.</summary>
    public int Port { get; }

    public string NodeName { get; }

    public string UserName => "gmail-automation";

    public string Password { get; }

    /// <summary>AMQP URI, the shape Aspire's <c>rabbitmq</c> resource exposes as its connection string.</summary>
    public string ConnectionString => $"amqp://{UserName}:{Password}@{Host}:{Port}/";

    public bool IsRunning => _server is { HasExited: false };

    /// <summary>Starts a node and waits (bounded by <paramref name="timeout"/>, default 150 s) until it answers the AMQP handshake.</summary>
    public static async Task<LocalRabbitMqServer> StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var directory = new TempDirectory("rabbitmq");
        var nodeName = $"test-{Guid.NewGuid():N}@localhost";
        var server = new LocalRabbitMqServer(directory, FreePort.Next(), FreePort.Next(), FreePort.Next(), nodeName);
        try
        {
            await server._portMapper.WaitUntilAsync(
                ct => FreePort.IsAcceptingAsync(int.Parse(server._environment["ERL_EPMD_PORT"], CultureInfo.InvariantCulture), ct),
                TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            await server.StartAgainAsync(timeout, cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the stopped node again on the same ports and data, and waits until it answers.</summary>
    public async Task StartAgainAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (IsRunning)
            {
                return;
            }

            if (_server is not null)
            {
                await _server.DisposeAsync().ConfigureAwait(false);
            }

            _server = LocalProcess.Start(ServerPath, [], _environment, _directory.Path);
            await _server.WaitUntilAsync(AnswersAmqpAsync, timeout ?? s_defaultStartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"RabbitMQ node {NodeName} did not start:{Environment.NewLine}{LogTail()}", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the node the way an operator would (SIGTERM: connections are closed, data is flushed).</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_server is not null)
            {
                await _server.StopAsync(s_stopGrace).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the node and starts it again on the same ports and data.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync().ConfigureAwait(false);
        await StartAgainAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_server is not null)
            {
                // Graceful first: a killed node leaves its port mapper registration and files half-written.
                await _server.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                await _server.DisposeAsync().ConfigureAwait(false);
            }

            await _portMapper.DisposeAsync().ConfigureAwait(false);
            _directory.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    // The node is ready when it answers the AMQP 0-9-1 protocol header with a connection.start method frame.
    private async Task<bool> AnswersAmqpAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), cancellationToken).ConfigureAwait(false);
        await socket.SendAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        var buffer = new byte[7];
        var read = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        return read > 0 && buffer[0] == 1;
    }

    private string LogTail()
    {
        var log = Path.Combine(_environment["RABBITMQ_LOG_BASE"], $"{NodeName}.log");
        var lines = File.Exists(log) ? File.ReadLines(log).TakeLast(40) : [];
        return string.Join(Environment.NewLine, [.. lines, _server?.Output ?? string.Empty]);
    }
}
