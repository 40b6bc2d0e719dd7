using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer;

namespace GmailAutomation.GmailClient.Benchmarks;

/// <summary>Prints a table of the client's quota use and the emulator's raw throughput.</summary>
internal static class LoadDriver
{
    public static async Task Main(string[] args)
    {
        // Usage: dotnet run -c Release -- [clientSeconds=30] [rawSeconds=10] [concurrency=16]
        var clientSeconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var rawSeconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        const double Budget = 200;
        const double EmulatorLimit = 250;
        const string Account = "bench@example.com";

        await using var redisServer = await LocalRedisServer.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisServer.ConnectionString);

        var rows = new List<string[]>();

        // 1. Raw emulator throughput: messages.get without the emulator's quota, straight HTTP, no client logic.
        await using (var raw = await Emulator.StartAsync(new() { ["Emulator:Quota:Enabled"] = "false" }))
        {
            var id = await raw.SeedAsync(Account);
            var token = await raw.MintAccessTokenAsync(Account);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = raw.BaseUrl };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            foreach (var format in new[] { "minimal", "full" })
            {
                var latencies = new ConcurrentBag<double>();
                var failures = 0;
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
                {
                    while (clock.Elapsed.TotalSeconds < rawSeconds)
                    {
                        var started = Stopwatch.GetTimestamp();
                        using var response = await http.GetAsync($"gmail/v1/users/me/messages/{id}?format={format}");
                        await response.Content.LoadIntoBufferAsync();
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref failures);
                        }

                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }));
                var elapsed = clock.Elapsed.TotalSeconds;
                var sorted = latencies.Order().ToArray();
                rows.Add([
                    $"emulator raw messages.get ({format})", $"{concurrency}", $"{elapsed:F1}", $"{sorted.Length / elapsed:F0} req/s",
                    $"{sorted.Length / elapsed * 5:F0} units/s", "-", $"{failures}", $"p50 {Percentile(sorted, 0.5):F2} / p99 {Percentile(sorted, 0.99):F2} ms",
                ]);
            }
        }

        // 2. The client under quota: emulator enforces Gmail's 250 units/s, the shared Redis bucket allows 200 units/s.
        await using (var limited = await Emulator.StartAsync(new()
        {
            ["Emulator:Quota:UnitsPerSecond"] = EmulatorLimit.ToString(CultureInfo.InvariantCulture),
            ["Emulator:Quota:BurstSeconds"] = "1",
            ["Emulator:Quota:MaxConcurrentRequestsPerUser"] = "1000",
        }))
        {
            var id = await limited.SeedAsync(Account);
            var refresh = await limited.MintRefreshTokenAsync(Account);
            var prefix = $"bench:{Guid.NewGuid():N}:";

            // Two client instances (two "replicas") drawing on one user's bucket.
            await using var first = ClientHost.Create(redis, limited.BaseUrl, refresh, prefix, Budget);
            await using var second = ClientHost.Create(redis, limited.BaseUrl, refresh, prefix, Budget);
            // Warm up (token exchange, JIT, connections) outside the measured window, then let the bucket refill.
            await first.Client.GetMessageAsync(Account, id, MessageFormat.Full);
            await second.Client.GetMessageAsync(Account, id, MessageFormat.Full);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var warmUp = first.Sum("gmail.client.quota.units") + second.Sum("gmail.client.quota.units");
            var warmUpWait = first.Sum("gmail.client.quota.wait") + second.Sum("gmail.client.quota.wait");
            var latencies = new ConcurrentBag<double>();
            var failures = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
            {
                var client = (worker % 2 == 0 ? first : second).Client;
                while (clock.Elapsed.TotalSeconds < clientSeconds)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await client.GetMessageAsync(Account, id, MessageFormat.Full);
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref failures);
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }));
            var elapsed = clock.Elapsed.TotalSeconds;
            var units = first.Sum("gmail.client.quota.units") + second.Sum("gmail.client.quota.units") - warmUp;
            var rateLimited = first.Sum("gmail.client.rate_limited") + second.Sum("gmail.client.rate_limited");
            var waitMs = (first.Sum("gmail.client.quota.wait") + second.Sum("gmail.client.quota.wait") - warmUpWait) / Math.Max(1, latencies.Count);
            var sorted = latencies.Order().ToArray();
            rows.Add([
                "client messages.get via Redis bucket (2 instances)", $"{concurrency}", $"{elapsed:F1}", $"{sorted.Length / elapsed:F0} req/s",
                $"{units / elapsed:F1} units/s ({units / elapsed / Budget:P1} of {Budget})", $"{rateLimited}", $"{failures}",
                $"p50 {Percentile(sorted, 0.5):F1} / p99 {Percentile(sorted, 0.99):F1} ms, mean bucket wait {waitMs:F1} ms",
            ]);
            rows.Add(["emulator's own counters for the user", "-", "-", "-", await limited.QuotaSummaryAsync(Account), "-", "-", "-"]);
        }

        string[] header = ["scenario", "workers", "secs", "throughput", "quota units", "429s", "failed", "latency"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        Console.WriteLine();
        Console.WriteLine(string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))));
        Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))));
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

/// <summary>The emulator on Kestrel at 127.0.0.1 (free port), its real Program.</summary>
internal sealed class Emulator : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;
    private HttpClient admin = null!;

    private Emulator(Dictionary<string, string?> settings) => this.settings = settings;

    public Uri BaseUrl { get; private set; } = null!;

    public static Task<Emulator> StartAsync(Dictionary<string, string?> settings)
    {
        // Outside a test project WebApplicationFactory cannot find the emulator's source folder; any folder will do.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_GMAILAUTOMATION_GMAILEMULATOR", AppContext.BaseDirectory);
        var emulator = new Emulator(settings);
        emulator.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        emulator.StartServer();
        var address = emulator.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        emulator.BaseUrl = new Uri(address + "/");
        emulator.admin = new HttpClient { BaseAddress = emulator.BaseUrl };
        return Task.FromResult(emulator);
    }

    public async Task<string> SeedAsync(string email)
    {
        (await admin.PostAsJsonAsync("emulator/mailboxes", new { email })).EnsureSuccessStatusCode();
        var mail = "From: Alice <alice@example.com>\r\nTo: bench@example.com\r\nSubject: Quarterly numbers\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n" +
                   "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + string.Concat(Enumerable.Repeat("Numbers are up this quarter. ", 60)) + "\r\n";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(mail));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await admin.PostAsync($"emulator/mailboxes/{email}/messages?labelIds=INBOX", content);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
    }

    public async Task<string> MintAccessTokenAsync(string email) => (await MintAsync(email))["access_token"]!.GetValue<string>();

    public async Task<string> MintRefreshTokenAsync(string email) => (await MintAsync(email))["refresh_token"]!.GetValue<string>();

    public async Task<string> QuotaSummaryAsync(string email)
    {
        using var response = await admin.GetAsync($"emulator/quota/{email}");
        if (!response.IsSuccessStatusCode)
        {
            return $"GET /emulator/quota answered {(int)response.StatusCode}";
        }

        var quota = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return $"charged {quota["unitsCharged"]}, 429s {quota["rateLimited"]}, too-many-concurrent {quota["tooManyConcurrent"]}";
    }

    public override async ValueTask DisposeAsync()
    {
        admin.Dispose();
        await base.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    private async Task<JsonNode> MintAsync(string email)
    {
        using var response = await admin.PostAsJsonAsync("emulator/tokens", new { email, scopes = new[] { "https://www.googleapis.com/auth/gmail.modify" } });
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}

/// <summary>One "service replica": its own DI container, HttpClient and Redis-backed bucket view.</summary>
internal sealed class ClientHost : IAsyncDisposable
{
    private readonly ServiceProvider provider;
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, double> sums = new();

    private ClientHost(ServiceProvider provider)
    {
        this.provider = provider;
        var scope = provider.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GmailClientMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => sums.AddOrUpdate(i.Name, v, (_, s) => s + v));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => sums.AddOrUpdate(i.Name, v, (_, s) => s + v));
        listener.Start();
    }

    public GmailApiClient Client => provider.GetRequiredService<GmailApiClient>();

    public static ClientHost Create(IConnectionMultiplexer redis, Uri baseUrl, string refreshToken, string prefix, double budget)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gmail:BaseUrl"] = baseUrl.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(baseUrl, "token").ToString(),
            ["Gmail:ClientId"] = "gmail-automation-local",
            ["Gmail:ClientSecret"] = "local-secret",
            [$"Gmail:RefreshTokens:bench@example.com"] = refreshToken,
            ["Gmail:Quota:UnitsPerSecond"] = budget.ToString(CultureInfo.InvariantCulture),
            ["Gmail:Quota:KeyPrefix"] = prefix,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(redis);
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        services.AddGmailClient(configuration).AddOAuthRefreshTokenProvider();
        return new ClientHost(services.BuildServiceProvider());
    }

    public double Sum(string instrument) => sums.GetValueOrDefault(instrument);

    public async ValueTask DisposeAsync()
    {
        listener.Dispose();
        await provider.DisposeAsync();
    }
}
