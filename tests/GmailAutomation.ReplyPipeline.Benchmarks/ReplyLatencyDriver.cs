extern alias response;
extern alias draft;
extern alias emulator;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
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
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using DraftDbContext = draft::GmailAutomation.DraftService.Data.DraftDbContext;
using DraftProgram = draft::Program;
using EmulatorProgram = emulator::Program;
using ResponseDbContext = response::GmailAutomation.ResponseService.Data.ResponseDbContext;
using ResponseProgram = response::Program;

namespace GmailAutomation.ReplyPipeline.Benchmarks;

/// <summary>
/// Reply latency: <c>EmailClassified</c> (needs a reply) published → the draft saved in the Gmail emulator (the moment
/// its <c>drafts.create</c> answered 200), at a fixed publish rate, with the offline provider. Everything is real
/// and local: PostgreSQL, Redis, RabbitMQ, the emulator with Gmail's quota (250 units/s per user), and the
/// response-service and draft-service (their real Programs) in this process with their shipped defaults. The time
/// <c>ReplyGenerated</c> reached the broker splits it into "reply written" and "draft saved". The load is spread over
/// several mailboxes because one reply costs about 35 quota units (thread read, drafts check, drafts.create).
/// </summary>
internal static class ReplyLatencyDriver
{
    private const string ClientId = "gmail-automation-local";
    private const string SigningKey = "reply-bench-signing-key-0123456789abcdef";
    private const string ServiceKey = "reply-bench-service-key-0123456789abcdef";
    private const string Exchange = "gmail-automation";

    public static async Task<int> RunAsync(string[] args)
    {
        var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        var mailboxCount = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        var total = rate * seconds;

        var redis = await LocalRedisServer.GetSharedAsync();
        var postgres = await LocalPostgresServer.GetSharedAsync();
        await using var rabbit = await LocalRabbitMqServer.StartAsync();
        var drafted = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);

        await using var gmail = new WebApplicationFactory<EmulatorProgram>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.ConfigureLogging(logging => logging.ClearProviders());
            web.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new DraftObserver(drafted)));
        });
        gmail.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        gmail.StartServer();
        var gmailUrl = AddressOf(gmail.Services);
        using var admin = new HttpClient { BaseAddress = gmailUrl, Timeout = TimeSpan.FromSeconds(60) };

        Console.WriteLine($"Creating {mailboxCount} mailboxes and importing {total + mailboxCount} messages that need a reply...");
        var mailboxes = new List<(Guid AccountId, string Email, string RefreshToken)>();
        for (var i = 0; i < mailboxCount; i++)
        {
            var email = $"reply{i}.{Guid.NewGuid():N}"[..20] + "@example.test";
            (await admin.PostAsJsonAsync("emulator/mailboxes", new { email })).EnsureSuccessStatusCode();
            using var token = await admin.PostAsJsonAsync("emulator/tokens", new { email, scopes = new[] { "https://www.googleapis.com/auth/gmail.modify" } });
            token.EnsureSuccessStatusCode();
            var refresh = JsonNode.Parse(await token.Content.ReadAsStringAsync())!["refresh_token"]!.GetValue<string>();
            mailboxes.Add((Guid.NewGuid(), email, refresh));
        }

        var events = new List<EmailClassified>(total);
        var warmup = new List<EmailClassified>();
        for (var i = 0; i < total + mailboxCount; i++)
        {
            var (accountId, email, _) = mailboxes[i % mailboxCount];
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Message(i, email)));
            content.Headers.ContentType = new("message/rfc822");
            using var imported = await admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(email)}/messages?labelIds=INBOX", content);
            imported.EnsureSuccessStatusCode();
            var created = (await imported.Content.ReadFromJsonAsync<JsonObject>())!;
            var @event = new EmailClassified
            {
                AccountId = accountId,
                GmailMessageId = created["id"]!.GetValue<string>(),
                ThreadId = created["threadId"]!.GetValue<string>(),
                Category = i % 2 == 0 ? "Work" : "Meeting",
                Confidence = 0.95,
                NeedsReply = true,
                NeedsReplyReason = "a direct question or request to you",
                DecidedBy = ClassificationDecision.Model("bench"),
            };
            (i < mailboxCount ? warmup : events).Add(@event);
        }

        var responseDb = await postgres.CreateDatabaseAsync("responsedb_bench_" + Guid.NewGuid().ToString("N")[..8]);
        var draftDb = await postgres.CreateDatabaseAsync("draftdb_bench_" + Guid.NewGuid().ToString("N")[..8]);
        var shared = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:rabbitmq"] = rabbit.ConnectionString,
            ["Gmail:BaseUrl"] = gmailUrl.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(gmailUrl, "token").ToString(),
            ["Gmail:ClientId"] = ClientId,
            ["Gmail:ClientSecret"] = "local-secret",
            ["Identity:SigningKey"] = SigningKey,
            ["Internal:ServiceKey"] = ServiceKey,
        };
        foreach (var (_, email, refresh) in mailboxes)
        {
            shared[$"Gmail:RefreshTokens:{email}"] = refresh;
        }

        await using var responseService = new WebApplicationFactory<ResponseProgram>().WithWebHostBuilder(web => Configure(web, shared, new()
        {
            ["ConnectionStrings:responsedb"] = responseDb,
            ["EventBus:SubscriptionClientName"] = "response-service-bench",
            ["Responses:UseAuthServiceDirectory"] = "false",
        }));
        await using var draftService = new WebApplicationFactory<DraftProgram>().WithWebHostBuilder(web => Configure(web, shared, new()
        {
            ["ConnectionStrings:draftdb"] = draftDb,
            ["EventBus:SubscriptionClientName"] = "draft-service-bench",
            ["Drafts:UseAuthServiceDirectory"] = "false",
        }));
        _ = responseService.Server;
        _ = draftService.Server;
        await using var replies = await ReplyRecorder.StartAsync(rabbit.ConnectionString);

        // Both services learn the accounts from AccountConnected, as they do from the auth-service.
        var bus = responseService.Services.GetRequiredService<IEventBus>();
        foreach (var (accountId, email, _) in mailboxes)
        {
            await bus.PublishAsync(new AccountConnected { AccountId = accountId, EmailAddress = email });
        }

        await WaitAsync(async () =>
            await CountAsync<ResponseDbContext>(responseService.Services, db => db.Accounts.CountAsync()) == mailboxCount
            && await CountAsync<DraftDbContext>(draftService.Services, db => db.Accounts.CountAsync()) == mailboxCount,
            TimeSpan.FromMinutes(1), "both services to know every account");

        // Warm-up (not measured): one reply per mailbox caches its token and opens every connection pool.
        foreach (var @event in warmup)
        {
            await bus.PublishAsync(@event);
        }

        await WaitAsync(() => Task.FromResult(warmup.All(e => drafted.ContainsKey(e.ThreadId))), TimeSpan.FromMinutes(2), "the warm-up drafts");

        Console.WriteLine($"Publishing {total} EmailClassified at {rate}/s over {mailboxCount} mailboxes...");
        var published = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            await FixedRateLoad.WaitForSlotAsync(start, i, rate);

            var @event = events[i];
            published[@event.ThreadId] = Stopwatch.GetTimestamp();
            sends.Add(bus.PublishAsync(@event));
        }

        await Task.WhenAll(sends);
        var publishSeconds = clock.Elapsed.TotalSeconds;
        await WaitAsync(() => Task.FromResult(events.All(e => drafted.ContainsKey(e.ThreadId))), TimeSpan.FromMinutes(5), "every draft");
        var wall = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        var endToEnd = events.Select(e => FixedRateLoad.Milliseconds(published[e.ThreadId], drafted[e.ThreadId])).Order().ToArray();
        var toReply = events.Where(e => replies.At.ContainsKey(e.ThreadId)).Select(e => FixedRateLoad.Milliseconds(published[e.ThreadId], replies.At[e.ThreadId])).Order().ToArray();
        var toDraft = events.Where(e => replies.At.ContainsKey(e.ThreadId)).Select(e => FixedRateLoad.Milliseconds(replies.At[e.ThreadId], drafted[e.ThreadId])).Order().ToArray();
        var draftRows = await CountAsync<DraftDbContext>(draftService.Services, db => db.Drafts.CountAsync());
        var gmailDrafts = 0;
        foreach (var (_, email, _) in mailboxes)
        {
            var list = await admin.GetFromJsonAsync<JsonObject>($"emulator/mailboxes/{Uri.EscapeDataString(email)}");
            gmailDrafts += list?["drafts"]?.AsArray().Count ?? 0;
        }

        Console.WriteLine();
        Console.WriteLine("| target rate msg/s | messages | mailboxes | publish s | achieved msg/s | stage | p50 ms | p90 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (stage, values) in new[] { ("EmailClassified → draft saved", endToEnd), ("EmailClassified → ReplyGenerated", toReply), ("ReplyGenerated → draft saved", toDraft) })
        {
            Console.WriteLine($"| {N(rate)} | {N(total)} | {N(mailboxCount)} | {F(publishSeconds)} | {F(total / wall)} | {stage} | {F(FixedRateLoad.Percentile(values, 0.50))} | {F(FixedRateLoad.Percentile(values, 0.90))} | {F(FixedRateLoad.Percentile(values, 0.99))} | {F(values[^1])} |");
        }

        Console.WriteLine($"(drafts in Gmail: {gmailDrafts} for {total + mailboxCount} messages; draftdb rows: {draftRows}; CPU s of this process (both services + emulator): {F(cpuSeconds)})");
        return gmailDrafts == total + mailboxCount ? 0 : 1;
    }

    private static string Message(int i, string mailbox) =>
        $"From: Alice Example <alice{i % 7}@partner.example.org>\r\nTo: {mailbox}\r\nSubject: Planning call {i}?\r\n"
        + $"Date: Mon, 02 Jun 2025 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@partner.example.org>\r\n"
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + $"Hi,\r\n\r\ncould we talk about plan {i}? Tuesday at 10:00 or Wednesday at 14:30 would work for me. Could you confirm?\r\n\r\nThanks,\r\nAlice\r\n";

    private static void Configure(IWebHostBuilder web, Dictionary<string, string?> shared, Dictionary<string, string?> own)
    {
        web.UseEnvironment("Testing");
        web.ConfigureLogging(logging => logging.ClearProviders());
        foreach (var (key, value) in shared.Concat(own))
        {
            web.UseSetting(key, value);
        }
    }

    private static async Task<int> CountAsync<TContext>(IServiceProvider services, Func<TContext, Task<int>> count)
        where TContext : DbContext
    {
        await using var scope = services.CreateAsyncScope();
        return await count(scope.ServiceProvider.GetRequiredService<TContext>());
    }

    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }


    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString(value >= 100 ? "N0" : "0.0", CultureInfo.InvariantCulture);

    private static Uri AddressOf(IServiceProvider services) =>
        new(services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    /// <summary>Notes when the emulator answered a successful <c>drafts.create</c>, by the draft's thread (one message per thread here).</summary>
    private sealed class DraftObserver(ConcurrentDictionary<string, long> drafted) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                var isCreate = context.Request.Method == HttpMethods.Post && (context.Request.Path.Value ?? string.Empty).EndsWith("/drafts", StringComparison.Ordinal);
                string? threadId = null;
                if (isCreate)
                {
                    context.Request.EnableBuffering();
                    var body = await JsonNode.ParseAsync(context.Request.Body);
                    threadId = body?["message"]?["threadId"]?.GetValue<string>();
                    context.Request.Body.Position = 0;
                }

                await proceed(context);
                if (threadId is not null && context.Response.StatusCode == 200)
                {
                    drafted.TryAdd(threadId, Stopwatch.GetTimestamp());
                }
            });
            next(app);
        };
    }

    /// <summary>When each <c>ReplyGenerated</c> reached the broker, by thread: a queue of its own on the bus's exchange.</summary>
    private sealed class ReplyRecorder : IAsyncDisposable
    {
        private IConnection _connection = null!;
        private IChannel _channel = null!;

        public ConcurrentDictionary<string, long> At { get; } = new(StringComparer.Ordinal);

        public static async Task<ReplyRecorder> StartAsync(string connectionString)
        {
            var recorder = new ReplyRecorder();
            recorder._connection = await new ConnectionFactory { Uri = new Uri(connectionString) }.CreateConnectionAsync();
            recorder._channel = await recorder._connection.CreateChannelAsync();
            await recorder._channel.ExchangeDeclareAsync(Exchange, ExchangeType.Topic, durable: true, autoDelete: false);
            var queue = await recorder._channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
            await recorder._channel.QueueBindAsync(queue.QueueName, Exchange, nameof(ReplyGenerated));
            var consumer = new AsyncEventingBasicConsumer(recorder._channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                var now = Stopwatch.GetTimestamp();
                if (JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))?["threadId"]?.GetValue<string>() is { } thread)
                {
                    recorder.At.TryAdd(thread, now);
                }

                return Task.CompletedTask;
            };
            await recorder._channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
            return recorder;
        }

        public async ValueTask DisposeAsync()
        {
            await _channel.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }
}
