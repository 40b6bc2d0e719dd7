using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

// Measures users.messages.get requests per second on loopback against a real Kestrel instance of the
// emulator holding N messages in one mailbox.
//
//   dotnet run -c Release --project tests/GmailAutomation.GmailEmulator.Benchmarks -- \
//       [--messages 100000] [--seconds 15] [--concurrency 32] [--format full|metadata|minimal|raw] [--url http://127.0.0.1:PORT]
//
// Without --url the driver starts the emulator itself (quota raised so that the gate is consulted but never
// throttles) and stops it afterwards.
var options = Options.Parse(args);
Process? emulator = null;
var baseUrl = options.Url;
if (baseUrl is null)
{
    var port = FreePort();
    baseUrl = $"http://127.0.0.1:{port}";
    emulator = StartEmulator(port);
}

try
{
    using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
    using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    await WaitHealthyAsync(http, TimeSpan.FromSeconds(60));

    const string email = "bench@gmail-automation.local";
    (await http.PostAsJsonAsync("/emulator/mailboxes", new { email })).EnsureSuccessStatusCode();
    var token = await MintTokenAsync(http, email);

    Console.WriteLine($"Importing {options.Messages:N0} messages …");
    var importWatch = Stopwatch.StartNew();
    var ids = await ImportAsync(http, email, options.Messages);
    Console.WriteLine($"Imported {ids.Length:N0} messages in {importWatch.Elapsed.TotalSeconds:F1} s ({ids.Length / importWatch.Elapsed.TotalSeconds:F0}/s)");

    // Warm-up, then the measured run.
    await RunAsync(http, token, ids, options with { Seconds = 3 });
    var result = await RunAsync(http, token, ids, options);

    Console.WriteLine();
    Console.WriteLine($"messages.get format={options.Format}: {result.Ok:N0} OK, {result.Failed:N0} failed in {result.Elapsed.TotalSeconds:F1} s with {options.Concurrency} connections");
    Console.WriteLine($"  throughput: {result.Ok / result.Elapsed.TotalSeconds:N0} req/s");
    Console.WriteLine($"  latency p50 {result.Percentile(0.50):F2} ms, p99 {result.Percentile(0.99):F2} ms");
    return result.Failed == 0 ? 0 : 1;
}
finally
{
    if (emulator is not null)
    {
        emulator.Kill(entireProcessTree: true);
        await emulator.WaitForExitAsync();
        emulator.Dispose();
    }
}

static async Task<RunResult> RunAsync(HttpClient http, string token, string[] ids, Options options)
{
    var stop = DateTime.UtcNow.AddSeconds(options.Seconds);
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, options.Concurrency).Select(async worker =>
    {
        var random = new Random(worker);
        var latencies = new List<double>(100_000);
        long ok = 0, failed = 0;
        while (DateTime.UtcNow < stop)
        {
            var id = ids[random.Next(ids.Length)];
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/gmail/v1/users/me/messages/{id}?format={options.Format}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var started = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (response.StatusCode == HttpStatusCode.OK) ok++; else failed++;
        }

        return (ok, failed, latencies);
    }).ToArray();

    var results = await Task.WhenAll(workers);
    watch.Stop();
    return new RunResult(results.Sum(r => r.ok), results.Sum(r => r.failed), watch.Elapsed, results.SelectMany(r => r.latencies).Order().ToArray());
}

static async Task<string[]> ImportAsync(HttpClient http, string email, int count)
{
    var ids = new string[count];
    var next = -1;
    var now = DateTimeOffset.UtcNow;
    var importers = Enumerable.Range(0, 16).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(SampleMessage(i)));
            content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
            var date = now.AddMinutes(-i).ToUnixTimeMilliseconds();
            using var response = await http.PostAsync($"/emulator/mailboxes/{email}/messages?labelIds=INBOX&internalDate={date}", content);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            ids[i] = body.GetProperty("id").GetString()!;
        }
    });
    await Task.WhenAll(importers);
    return ids;
}

// Realistic small mail: every third message is multipart with an HTML alternative and an attachment.
static string SampleMessage(int i)
{
    var head = $"From: Sender {i % 97} <sender{i % 97}@example.org>\r\nTo: bench@gmail-automation.local\r\n" +
               $"Subject: Benchmark message {i}\r\nDate: {DateTimeOffset.UtcNow.AddMinutes(-i):r}\r\nMessage-ID: <bench-{i}@example.org>\r\nMIME-Version: 1.0\r\n";
    var text = $"Hello,\r\n\r\nThis is message {i} of the benchmark mailbox. " + string.Concat(Enumerable.Repeat("Lorem ipsum dolor sit amet. ", 8)) + "\r\n";
    if (i % 3 != 0)
    {
        return head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text;
    }

    return head + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
           "--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n" +
           "--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
           "--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + text + "</p>\r\n--b2--\r\n" +
           "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
           Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789", 30)))) + "\r\n--b1--\r\n";
}

static async Task<string> MintTokenAsync(HttpClient http, string email)
{
    using var response = await http.PostAsJsonAsync("/emulator/tokens", new { email, scopes = new[] { "https://www.googleapis.com/auth/gmail.readonly" } });
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
}

static async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout)
{
    var deadline = DateTime.UtcNow + timeout;
    while (true)
    {
        try
        {
            using var response = await http.GetAsync("/health");
            if (response.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException) when (DateTime.UtcNow < deadline)
        {
        }

        if (DateTime.UtcNow >= deadline)
        {
            throw new TimeoutException("The emulator did not become healthy.");
        }

        await Task.Delay(200);
    }
}

static Process StartEmulator(int port)
{
    var dll = typeof(Options).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EmulatorDll").Value!;
    var start = new ProcessStartInfo("dotnet")
    {
        ArgumentList = { Path.GetFullPath(dll), "--urls", $"http://127.0.0.1:{port}" },
        WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))!,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    // The quota gate stays in the path but never throttles the single benchmark user.
    start.Environment["Emulator__Quota__UnitsPerSecond"] = "1000000";
    start.Environment["Emulator__Quota__MaxConcurrentRequestsPerUser"] = "10000";
    var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the emulator.");
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[emulator] " + e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

internal sealed record RunResult(long Ok, long Failed, TimeSpan Elapsed, double[] SortedLatencies)
{
    public double Percentile(double p) => SortedLatencies.Length == 0 ? 0 : SortedLatencies[(int)Math.Min(SortedLatencies.Length - 1, p * SortedLatencies.Length)];
}

internal sealed record Options(int Messages, int Seconds, int Concurrency, string Format, string? Url)
{
    public static Options Parse(string[] args)
    {
        var options = new Options(100_000, 15, 32, "full", null);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            options = args[i] switch
            {
                "--messages" => options with { Messages = int.Parse(value, CultureInfo.InvariantCulture) },
                "--seconds" => options with { Seconds = int.Parse(value, CultureInfo.InvariantCulture) },
                "--concurrency" => options with { Concurrency = int.Parse(value, CultureInfo.InvariantCulture) },
                "--format" => options with { Format = value },
                "--url" => options with { Url = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        return options;
    }
}
