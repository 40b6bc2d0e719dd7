extern alias classification;
extern alias emulator;
extern alias auth;
extern alias email;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AuthProgram = auth::Program;
using EmailReceivedFactory = email::GmailAutomation.EmailService.Sync.EmailReceivedFactory;
using EmulatorProgram = emulator::Program;
using ServiceProgram = classification::Program;

namespace GmailAutomation.ClassificationService.Benchmarks;

/// <summary>
/// End-to-end classification latency: <c>EmailReceived</c> published → the category label applied in the Gmail
/// emulator (the moment its <c>messages.modify</c> answered 200), at a fixed publish rate. Everything is real and
/// local: PostgreSQL, Redis, RabbitMQ, the emulator (Gmail's 250 units/s per user) and the auth-service on
/// Kestrel, the classification service in-process. The load is spread over several mailboxes because one
/// message costs 10 quota units (messages.get + messages.modify), so one mailbox alone tops out near 20 messages/s.
/// </summary>
internal static class LatencyDriver
{
    private const string SigningKey = "classification-bench-signing-key-0123456789";
    private const string ServiceKey = "classification-bench-service-key-0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        var accounts = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        var total = rate * seconds;

        var redis = await LocalRedisServer.GetSharedAsync();
        var postgres = await LocalPostgresServer.GetSharedAsync();
        await using var rabbit = await LocalRabbitMqServer.StartAsync();
        var applied = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);

        await using var gmail = new WebApplicationFactory<EmulatorProgram>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("Emulator:OAuth:AutoApprove", "true");
            web.ConfigureLogging(logging => logging.ClearProviders());
            web.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new ModifyObserver(applied)));
        });
        gmail.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        gmail.StartServer();
        var gmailUrl = AddressOf(gmail.Services);
        using var admin = new HttpClient { BaseAddress = gmailUrl, Timeout = TimeSpan.FromSeconds(60) };

        var authDb = await postgres.CreateDatabaseAsync("authdb_bench_" + Guid.NewGuid().ToString("N")[..8]);
        var classificationDb = await postgres.CreateDatabaseAsync("classificationdb_bench_" + Guid.NewGuid().ToString("N")[..8]);
        await using var authHost = new WebApplicationFactory<AuthProgram>().WithWebHostBuilder(web => Configure(web, new()
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:authdb"] = authDb,
            ["ConnectionStrings:rabbitmq"] = rabbit.ConnectionString,
            ["Identity:SigningKey"] = SigningKey,
            ["Internal:ServiceKey"] = ServiceKey,
            ["Google:ClientId"] = "gmail-automation-local",
            ["Google:ClientSecret"] = "local-secret",
            ["Google:AuthorizationEndpoint"] = new Uri(gmailUrl, "o/oauth2/v2/auth").ToString(),
            ["Google:TokenEndpoint"] = new Uri(gmailUrl, "token").ToString(),
            ["Google:RevocationEndpoint"] = new Uri(gmailUrl, "revoke").ToString(),
            ["Google:UserInfoEndpoint"] = new Uri(gmailUrl, "oauth2/v3/userinfo").ToString(),
            ["EventBus:SubscriptionClientName"] = "auth-service-bench",
        }));
        authHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        authHost.StartServer();
        var authUrl = AddressOf(authHost.Services);

        await using var service = new WebApplicationFactory<ServiceProgram>().WithWebHostBuilder(web => Configure(web, new()
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:classificationdb"] = classificationDb,
            ["ConnectionStrings:rabbitmq"] = rabbit.ConnectionString,
            ["EventBus:SubscriptionClientName"] = "classification-service-bench",
            ["EventBus:ConsumerConcurrency"] = "16",
            ["EventBus:PrefetchCount"] = "64",
            ["Gmail:BaseUrl"] = gmailUrl.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(gmailUrl, "token").ToString(),
            ["Gmail:ClientId"] = "gmail-automation-local",
            ["Gmail:ClientSecret"] = "local-secret",
            ["AuthService:BaseUrl"] = authUrl.ToString(),
            ["Identity:SigningKey"] = SigningKey,
            ["Internal:ServiceKey"] = ServiceKey,
        }));
        _ = service.Server;

        Console.WriteLine($"Connecting {accounts} mailboxes through the auth-service and seeding {total} messages...");
        var mailboxes = new List<(Guid AccountId, string Email)>();
        for (var i = 0; i < accounts; i++)
        {
            mailboxes.Add(await ConnectAsync(authUrl, $"bench{i}"));
        }

        var events = new List<EmailReceived>(total);
        var warmup = new List<EmailReceived>();
        for (var i = 0; i < total + accounts; i++)
        {
            var (accountId, mailbox) = mailboxes[i % accounts];
            var raw = Encoding.UTF8.GetBytes(Message(i, mailbox));
            using var content = new ByteArrayContent(raw);
            content.Headers.ContentType = new("message/rfc822");
            using var response = await admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(mailbox)}/messages?labelIds=INBOX", content);
            response.EnsureSuccessStatusCode();
            var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            var message = new GmailMessage
            {
                Id = created["id"]!.GetValue<string>(),
                ThreadId = created["threadId"]!.GetValue<string>(),
                LabelIds = ["INBOX"],
                Raw = raw,
            };
            (i < accounts ? warmup : events).Add(EmailReceivedFactory.Create(accountId, message, EmailSyncSources.Incremental, 64 * 1024));
        }

        var bus = service.Services.GetRequiredService<IEventBus>();

        // Warm-up (not measured): one message per mailbox creates its labels and caches its account and token.
        foreach (var @event in warmup)
        {
            await bus.PublishAsync(@event);
        }

        await WaitAsync(() => warmup.All(e => applied.ContainsKey(e.GmailMessageId)), TimeSpan.FromMinutes(2));

        Console.WriteLine($"Publishing {total} EmailReceived at {rate}/s over {accounts} mailboxes...");
        var published = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            await FixedRateLoad.WaitForSlotAsync(start, i, rate);

            var @event = events[i];
            published[@event.GmailMessageId] = Stopwatch.GetTimestamp();
            sends.Add(bus.PublishAsync(@event));
        }

        await Task.WhenAll(sends);
        var publishSeconds = clock.Elapsed.TotalSeconds;
        await WaitAsync(() => events.All(e => applied.ContainsKey(e.GmailMessageId)), TimeSpan.FromMinutes(5));
        var wall = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        var latencies = events
            .Select(e => (applied[e.GmailMessageId] - published[e.GmailMessageId]) * 1000.0 / Stopwatch.Frequency)
            .Order()
            .ToArray();
        await using var scope = service.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClassificationDbContext>();
        var processed = await db.ProcessedMessages.CountAsync();
        var history = await db.History.CountAsync();

        Console.WriteLine();
        Console.WriteLine("| target rate msg/s | messages | mailboxes | publish s | achieved msg/s | p50 ms | p90 ms | p99 ms | max ms | label writes | history rows | CPU s (process) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Join(" | ", new[]
        {
            "|" + N(rate),
            N(total),
            N(accounts),
            F(publishSeconds),
            F(total / wall),
            F(FixedRateLoad.Percentile(latencies, 0.50)),
            F(FixedRateLoad.Percentile(latencies, 0.90)),
            F(FixedRateLoad.Percentile(latencies, 0.99)),
            F(latencies[^1]),
            F(applied.Count - warmup.Count),
            F(history - warmup.Count),
            F(cpuSeconds) + " |",
        }));
        Console.WriteLine($"(processed records: {processed}; latency = EmailReceived published → messages.modify answered in the emulator)");
        return 0;
    }

    private static string Message(int i, string mailbox)
    {
        string[] kinds =
        [
            $"From: Digest <digest@lists.example.net>\r\nSubject: Issue {i} of the digest\r\nList-Id: <digest.lists.example.net>\r\n",
            $"From: Shop <orders@shop.example>\r\nSubject: Your order #{i} has shipped\r\n",
            $"From: Service <no-reply@service.example>\r\nSubject: Weekly summary {i}\r\n",
            $"From: Carol <carol@friends.example>\r\nSubject: dinner {i}?\r\n",
            $"From: Boss <boss@corp.example>\r\nSubject: Quarterly numbers {i}\r\n",
        ];
        return kinds[i % kinds.Length] +
            $"To: {mailbox}\r\nDate: Mon, 02 Jun 2025 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@example.com>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
            $"Hello, this is message {i}. Could you have a look at the attached figures before Friday? Thanks.\r\n";
    }

    private static async Task<(Guid AccountId, string Email)> ConnectAsync(Uri authUrl, string prefix)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var person = $"{prefix}.{Guid.NewGuid():N}"[..20] + "@example.test";
        var mailbox = $"{prefix}.mbx.{Guid.NewGuid():N}"[..24] + "@example.test";
        var signedIn = await FollowAsync(browser, new Uri(authUrl, $"api/auth/signin?loginHint={Uri.EscapeDataString(person)}"), null);
        var identity = signedIn["identityToken"]!.GetValue<string>();
        var connected = await FollowAsync(browser, new Uri(authUrl, $"api/accounts/connect?loginHint={Uri.EscapeDataString(mailbox)}"), identity);
        return (connected["account"]!["id"]!.GetValue<Guid>(), mailbox);
    }

    private static async Task<JsonObject> FollowAsync(HttpClient browser, Uri start, string? identity)
    {
        var next = start;
        for (var hop = 0; hop < 6; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            if (identity is not null && next.Authority == start.Authority)
            {
                request.Headers.Add(UserIdentityTokens.HeaderName, identity);
            }

            using var response = await browser.SendAsync(request);
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
            {
                next = response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location : new Uri(next, response.Headers.Location);
                continue;
            }

            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        }

        throw new InvalidOperationException("Too many redirects in the OAuth flow.");
    }

    private static void Configure(IWebHostBuilder web, Dictionary<string, string?> settings)
    {
        web.UseEnvironment("Testing");
        web.ConfigureLogging(logging => logging.ClearProviders());
        foreach (var (key, value) in settings)
        {
            web.UseSetting(key, value);
        }
    }

    private static async Task WaitAsync(Func<bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The classification service did not label every message in time.");
            }

            await Task.Delay(20);
        }
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString(value >= 100 ? "N0" : "0.0", CultureInfo.InvariantCulture);

    private static Uri AddressOf(IServiceProvider services) =>
        new(services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    /// <summary>Notes when the emulator answered a successful <c>messages.modify</c>, by message id: the label is applied.</summary>
    private sealed class ModifyObserver(ConcurrentDictionary<string, long> applied) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                await proceed(context);
                var path = context.Request.Path.Value ?? string.Empty;
                if (context.Request.Method == HttpMethods.Post && path.EndsWith("/modify", StringComparison.Ordinal) && context.Response.StatusCode == 200)
                {
                    var segments = path.Split('/');
                    applied.TryAdd(segments[^2], Stopwatch.GetTimestamp());
                }
            });
            next(app);
        };
    }
}
