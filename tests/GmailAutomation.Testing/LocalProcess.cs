using System.Diagnostics;
using System.Runtime.InteropServices;

namespace GmailAutomation.Testing;

/// <summary>
/// A server process started for tests: output kept (last lines) for failure messages, a graceful stop
/// (SIGTERM, then the whole process tree is killed after a grace period) and a kill of the whole tree on
/// dispose, so that no test run leaves servers behind.
/// </summary>
public sealed class LocalProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly string _description;

    private LocalProcess(Process process, string description)
    {
        _process = process;
        _description = description;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with the arguments as given (no shell) and the extra environment variables.</summary>
    public static LocalProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var started = new LocalProcess(process, $"{Path.GetFileName(fileName)} (pid {process.Id})");
        process.OutputDataReceived += (_, e) => started.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => started.Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>The last lines the process wrote to stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    /// <summary>
    /// Polls <paramref name="probe"/> until it returns true; fails early with the process output when the
    /// process exits, and with a <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> probe, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_description} exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{Output}");
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                if (await probe(attempt.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException
                                           || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not ready yet.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{_description} was not ready within {timeout}:{Environment.NewLine}{Output}");
    }

    /// <summary>Asks the process to stop (SIGTERM) and kills the whole tree if it is still there after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (Kill(_process.Id, SigTerm) == 0)
        {
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Did not stop in time: killed below.
            }
        }

        KillTree();
    }

    /// <summary>Kills the process and every descendant at once (SIGKILL).</summary>
    public void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Writes <paramref name="text"/> to the process's standard input and closes it (for tools such as psql).</summary>
    public async Task WriteInputAndCloseAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text).ConfigureAwait(false);
        _process.StandardInput.Close();
    }

    /// <summary>Waits for the process to exit (bounded) and returns its exit code; kills it on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            KillTree();
            throw new TimeoutException($"{_description} did not exit within {timeout}:{Environment.NewLine}{Output}");
        }

        // The exit event can come before the last output lines: wait for the readers to drain.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        KillTree();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
