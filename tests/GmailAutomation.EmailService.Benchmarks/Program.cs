extern alias email;
extern alias emulator;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using email::GmailAutomation.EmailService.Sync;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using EmailProgram = email::Program;
using EmulatorProgram = emulator::Program;

// Sync engine load driver. Everything is real and local: Redis, PostgreSQL, RabbitMQ, the Gmail emulator and the
// email service, all on 127.0.0.1. Prints one table per scenario.
var which = args.FirstOrDefault() ?? "all";
var redis = await LocalRedisServer.GetSharedAsync();
var postgres = await LocalPostgresServer.GetSharedAsync();
await using var rabbit = await LocalRabbitMqServer.StartAsync();
var rows = new List<string[]>();

if (which is "all" or "quota")
{
    rows.Add(await QuotaAsync());
}

if (which is "all" or "scale")
{
    rows.Add(await ScaleAsync());
}

Console.WriteLine();
Console.WriteLine("| scenario | messages | wall s | theoretical min s | msgs/s | units/s achieved | 429s | CPU s (process) | peak working set MB |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
foreach (var row in rows)
{
    Console.WriteLine("| " + string.Join(" | ", row) + " |");
}

return;

// Initial sync of 5,000 messages: emulator at Gmail's 250 units/s, our bucket at 200 units/s.
async Task<string[]> QuotaAsync()
{
    const int messages = 5000;
    await using var emulatorHost = Emulator.Start(unitsPerSecond: 250);
    await using var recorder = await Recorder.StartAsync(rabbit.ConnectionString);
    var email = "quota-bench@example.com";
    await emulatorHost.CreateMailboxAsync(email);
    await emulatorHost.SeedAsync(email, messages);
    var tokens = new Dictionary<string, string> { [email] = await emulatorHost.MintRefreshTokenAsync(email) };
    var database = await postgres.CreateDatabaseAsync("emaildb_bench_quota_" + Guid.NewGuid().ToString("N")[..6]);
    await using var service = new EmailHost(redis, postgres.ConnectionStringFor(database), rabbit.ConnectionString, emulatorHost.Url, tokens, unitsPerSecond: 200);
    var accountId = Guid.NewGuid();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await service.Services.GetRequiredService<IEventBus>().PublishAsync(new AccountConnected { AccountId = accountId, EmailAddress = email });
    await recorder.WaitAsync(() => recorder.Completed.Contains(accountId), TimeSpan.FromMinutes(10));
    var wall = clock.Elapsed;
    var (units, rateLimited) = await service.Services.GetRequiredService<GmailUsage>().ReadAsync(email);
    var minimum = units / 200.0;
    return
    [
        "quota: 1 account x 5,000, Gmail 250 u/s, budget 200 u/s",
        F(recorder.Received.Count(e => e == accountId)),
        F(wall.TotalSeconds),
        F(minimum) + $" ({units} units / 200)",
        F(messages / wall.TotalSeconds),
        F(units / wall.TotalSeconds) + $" ({100 * units / wall.TotalSeconds / 200:0}% of budget)",
        F(rateLimited),
        F((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds),
        F(Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024),
    ];
}

// 100 accounts x 300 messages synced at once by one replica.
async Task<string[]> ScaleAsync()
{
    const int accounts = 100;
    const int perAccount = 300;
    await using var emulatorHost = Emulator.Start(unitsPerSecond: 100_000);
    await using var recorder = await Recorder.StartAsync(rabbit.ConnectionString);
    var tokens = new Dictionary<string, string>();
    var ids = new List<(Guid Id, string Email)>();
    for (var a = 0; a < accounts; a++)
    {
        var email = $"scale{a}@example.com";
        await emulatorHost.CreateMailboxAsync(email);
        await emulatorHost.SeedAsync(email, perAccount);
        tokens[email] = await emulatorHost.MintRefreshTokenAsync(email);
        ids.Add((Guid.NewGuid(), email));
    }

    var database = await postgres.CreateDatabaseAsync("emaildb_bench_scale_" + Guid.NewGuid().ToString("N")[..6]);
    await using var service = new EmailHost(redis, postgres.ConnectionStringFor(database), rabbit.ConnectionString, emulatorHost.Url, tokens, unitsPerSecond: 200);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var bus = service.Services.GetRequiredService<IEventBus>();
    foreach (var (id, email) in ids)
    {
        await bus.PublishAsync(new AccountConnected { AccountId = id, EmailAddress = email });
    }

    await recorder.WaitAsync(() => ids.All(a => recorder.Completed.Contains(a.Id)), TimeSpan.FromMinutes(15));
    var wall = clock.Elapsed;
    var total = recorder.Received.Count;
    return
    [
        $"scale: {accounts} accounts x {perAccount}, 1 replica",
        F(total),
        F(wall.TotalSeconds),
        "-",
        F(total / wall.TotalSeconds),
        "-",
        "-",
        F((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds),
        F(Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024),
    ];
}

static string F(double value) => value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);

/// <summary>The Gmail emulator on Kestrel with a given per-user quota.</summary>
internal sealed class Emulator : WebApplicationFactory<EmulatorProgram>
{
    private readonly double unitsPerSecond;

    private Emulator(double unitsPerSecond) => this.unitsPerSecond = unitsPerSecond;

    public Uri Url { get; private set; } = null!;

    private HttpClient Admin { get; set; } = null!;

    public static Emulator Start(double unitsPerSecond)
    {
        var emulator = new Emulator(unitsPerSecond);
        emulator.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        emulator.StartServer();
        emulator.Url = new Uri(emulator.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        emulator.Admin = new HttpClient { BaseAddress = emulator.Url, Timeout = TimeSpan.FromSeconds(60) };
        return emulator;
    }

    public async Task CreateMailboxAsync(string email) =>
        (await Admin.PostAsJsonAsync("emulator/mailboxes", new { email })).EnsureSuccessStatusCode();

    public async Task<string> MintRefreshTokenAsync(string email)
    {
        using var response = await Admin.PostAsJsonAsync("emulator/tokens", new { email, scopes = new[] { "https://www.googleapis.com/auth/gmail.modify" } });
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["refresh_token"]!.GetValue<string>();
    }

    /// <summary>Imports messages spread over the last 20 days (inside the default 30-day window).</summary>
    public async Task SeedAsync(string email, int count)
    {
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var mime = $"From: Sender {i} <s{i}@example.com>\r\nTo: {email}\r\nSubject: Message {i}\r\nMessage-ID: <{Guid.NewGuid():N}@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of message {i}, with a few words to read.\r\n";
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(mime));
            content.Headers.ContentType = new("message/rfc822");
            var date = now.AddMinutes(-(i * 20.0 * 24 * 60 / count) - 1).ToUnixTimeMilliseconds();
            using var response = await Admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(email)}/messages?labelIds=INBOX&internalDate={date}", content, ct);
            response.EnsureSuccessStatusCode();
        });
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Emulator:Quota:UnitsPerSecond", unitsPerSecond.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Emulator:Quota:BurstSeconds", "1");
        builder.UseSetting("Emulator:Quota:MaxConcurrentRequestsPerUser", "1000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    public override async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>The email service (its real Program) with its Gmail refresh tokens and quota budget.</summary>
internal sealed class EmailHost : WebApplicationFactory<EmailProgram>
{
    private readonly Dictionary<string, string?> settings;

    public EmailHost(LocalRedisServer redis, string database, string rabbit, Uri gmail, Dictionary<string, string> tokens, double unitsPerSecond)
    {
        settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:emaildb"] = database,
            ["ConnectionStrings:rabbitmq"] = rabbit,
            ["EventBus:SubscriptionClientName"] = "email-service-bench-" + Guid.NewGuid().ToString("N")[..6],
            ["Gmail:BaseUrl"] = gmail.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(gmail, "token").ToString(),
            ["Gmail:ClientId"] = "gmail-automation-local",
            ["Gmail:ClientSecret"] = "local-secret",
            ["Gmail:Quota:UnitsPerSecond"] = unitsPerSecond.ToString(CultureInfo.InvariantCulture),
            ["Identity:SigningKey"] = "email-service-benchmark-signing-key-0123456789",
            ["EmailSync:UseAuthServiceDirectory"] = "false",
            ["EmailSync:PushEnabled"] = "false",
            ["EmailSync:SchedulerInterval"] = "00:00:00.500",
            ["EmailSync:LeaseDuration"] = "00:00:10",

            // These benchmarks measure reading against the Gmail quota (done when SyncCompleted is on the broker), so
            // the outbox hands events out as fast as they are read instead of 20 per account and second.
            ["EmailSync:OutboxEventsPerAccountRound"] = "10000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (email, token) in tokens)
        {
            settings[$"Gmail:RefreshTokens:{email}"] = token;
        }

        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

/// <summary>Records which accounts' EmailReceived and SyncCompleted events reached the broker.</summary>
internal sealed class Recorder : IAsyncDisposable
{
    private IConnection connection = null!;
    private IChannel channel = null!;

    public ConcurrentBag<Guid> Received { get; } = [];

    public ConcurrentDictionary<Guid, bool> CompletedSet { get; } = new();

    public ICollection<Guid> Completed => CompletedSet.Keys;

    public static async Task<Recorder> StartAsync(string rabbit)
    {
        var recorder = new Recorder();
        recorder.connection = await new ConnectionFactory { Uri = new Uri(rabbit) }.CreateConnectionAsync();
        recorder.channel = await recorder.connection.CreateChannelAsync();
        await recorder.channel.ExchangeDeclareAsync("gmail-automation", ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await recorder.channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        await recorder.channel.QueueBindAsync(queue.QueueName, "gmail-automation", "EmailReceived");
        await recorder.channel.QueueBindAsync(queue.QueueName, "gmail-automation", "SyncCompleted");
        var consumer = new AsyncEventingBasicConsumer(recorder.channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var body = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!;
            var account = body["accountId"]!.GetValue<Guid>();
            if (delivery.RoutingKey == "EmailReceived")
            {
                recorder.Received.Add(account);
            }
            else
            {
                recorder.CompletedSet[account] = true;
            }

            return Task.CompletedTask;
        };
        await recorder.channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return recorder;
    }

    public async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not done after {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
