using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace GmailAutomation.Testing;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) on a free 127.0.0.1 port, password protected, with
/// persistence off and its working folder in a temporary directory. Start one per test assembly
/// (an xunit collection or class fixture that calls <see cref="StartAsync"/> and disposes it), or use
/// <see cref="GetSharedAsync"/> which starts one per process and kills it when the process exits.
/// </summary>
public sealed class LocalRedisServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static LocalRedisServer? shared;

    private readonly Process process;
    private readonly string directory;
    private readonly StringBuilder output = new();
    private int disposed;

    private LocalRedisServer(Process process, string directory, int port, string password)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
        Password = password;
    }

    /// <summary>Path of the server binary; override with the <c>REDIS_SERVER_PATH</c> environment variable.</summary>
    public static string ServerPath =>
        Environment.GetEnvironmentVariable("REDIS_SERVER_PATH") is { Length: > 0 } path ? path : "/usr/bin/redis-server";

    public string Host => "127.0.0.1";

    public int Port { get; }

    public string Password { get; }

    /// <summary>StackExchange.Redis connection string (the shape Aspire's <c>redis</c> resource exposes).</summary>
    public string ConnectionString => $"{Host}:{Port},password={Password}";

    /// <summary>Starts a server and waits (bounded by <paramref name="timeout"/>, default 20 s) until it answers PING.</summary>
    public static async Task<LocalRedisServer> StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        Exception? last = null;

        // A free port can be taken by someone else between probing and binding: try a few ports.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var server = Launch();
            try
            {
                await server.WaitUntilReadyAsync(limit, cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                last = ex;
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException("redis-server did not start.", last);
    }

    /// <summary>One server for the whole test process, started on first use and killed when the process exits.</summary>
    public static async Task<LocalRedisServer> GetSharedAsync(CancellationToken cancellationToken = default)
    {
        await SharedGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (shared is null)
            {
                shared = await StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                var server = shared;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
            }

            return shared;
        }
        finally
        {
            SharedGate.Release();
        }
    }

    /// <summary>Deletes every key (FLUSHALL), for tests that need an empty server.</summary>
    public Task FlushAllAsync(CancellationToken cancellationToken = default) =>
        SendAsync(["FLUSHALL"], "+OK", TimeSpan.FromSeconds(10), cancellationToken);

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private static LocalRedisServer Launch()
    {
        var port = FreePort.Next();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var directory = Path.Combine(Path.GetTempPath(), $"gmail-automation-redis-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);

        var start = new ProcessStartInfo(ServerPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
                 {
                     "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--bind", "127.0.0.1",
                     "--requirepass", password,
                     "--save", string.Empty,
                     "--appendonly", "no",
                     "--dir", directory,
                     "--daemonize", "no",
                     "--protected-mode", "yes",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ServerPath}.");
        var server = new LocalRedisServer(process, directory, port, password);
        process.OutputDataReceived += (_, e) => server.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => server.Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode}: {Output()}");
            }

            try
            {
                await SendAsync(["PING"], "+PONG", TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new TimeoutException($"redis-server on port {Port} did not answer PING within {timeout}: {Output()}");
    }

    // Speaks just enough RESP to authenticate and run one command; keeps this project free of client packages.
    private async Task SendAsync(string[] command, string expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token).ConfigureAwait(false);
        var stream = client.GetStream();
        var request = Encode(["AUTH", Password]) + Encode(command);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cts.Token).ConfigureAwait(false);

        var received = new StringBuilder();
        var buffer = new byte[256];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"redis-server closed the connection after: {received}");
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var text = received.ToString();

            // Complete lines only: the first answers AUTH, the second answers the command.
            var end = text.LastIndexOf("\r\n", StringComparison.Ordinal);
            var lines = (end < 0 ? string.Empty : text[..end]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            if (lines.FirstOrDefault(l => l.StartsWith('-')) is { } error)
            {
                // -LOADING, -NOAUTH, -ERR ...: not ready or misconfigured.
                throw new InvalidOperationException($"redis-server refused the command: {error}");
            }

            if (lines.Length >= 2)
            {
                if (lines[0] != "+OK" || lines[1] != expected)
                {
                    throw new InvalidOperationException($"Unexpected answer from redis-server: {text.Trim()}");
                }

                return;
            }
        }
    }

    private static string Encode(string[] parts)
    {
        var builder = new StringBuilder();
        builder.Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts)
        {
            builder.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        return builder.ToString();
    }

    private string Output()
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private void Kill()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temporary folder is cleaned by the OS eventually.
        }
    }
}
