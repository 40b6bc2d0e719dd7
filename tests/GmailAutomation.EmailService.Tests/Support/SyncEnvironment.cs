extern alias emulator;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using EmulatorProgram = emulator::Program;

namespace GmailAutomation.EmailService.Tests.Support;

[CollectionDefinition(Name)]
public sealed class SyncCollection : ICollectionFixture<SyncEnvironment>
{
    public const string Name = "sync";
}

/// <summary>
/// Everything the email service talks to, real and local: Redis, PostgreSQL, RabbitMQ and the Gmail emulator on
/// Kestrel (127.0.0.1, free ports), plus a recorder of every <c>EmailReceived</c>/<c>SyncCompleted</c> published.
/// </summary>
public sealed class SyncEnvironment : IAsyncLifetime
{
    public const string ClientId = "gmail-automation-local";
    public const string ClientSecret = "local-secret";

    private EmulatorFactory emulatorFactory = null!;
    private IConnection rabbitConnection = null!;
    private IChannel recorderChannel = null!;

    public LocalRedisServer Redis { get; private set; } = null!;

    public LocalPostgresServer Postgres { get; private set; } = null!;

    public LocalRabbitMqServer RabbitMq { get; private set; } = null!;

    public Uri EmulatorUrl { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public ConcurrentQueue<RecordedEvent> Events { get; } = new();

    public async Task InitializeAsync()
    {
        var redis = LocalRedisServer.GetSharedAsync();
        var postgres = LocalPostgresServer.GetSharedAsync();
        var rabbit = LocalRabbitMqServer.StartAsync();
        emulatorFactory = new EmulatorFactory();
        emulatorFactory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        emulatorFactory.StartServer();
        EmulatorUrl = new Uri(emulatorFactory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        Admin = new HttpClient { BaseAddress = EmulatorUrl, Timeout = TimeSpan.FromSeconds(30) };
        Redis = await redis;
        Postgres = await postgres;
        RabbitMq = await rabbit;

        rabbitConnection = await new ConnectionFactory { Uri = new Uri(RabbitMq.ConnectionString) }.CreateConnectionAsync();
        recorderChannel = await rabbitConnection.CreateChannelAsync();
        await recorderChannel.ExchangeDeclareAsync("gmail-automation", ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await recorderChannel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        await recorderChannel.QueueBindAsync(queue.QueueName, "gmail-automation", "EmailReceived");
        await recorderChannel.QueueBindAsync(queue.QueueName, "gmail-automation", "SyncCompleted");
        var consumer = new AsyncEventingBasicConsumer(recorderChannel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Events.Enqueue(new RecordedEvent(delivery.RoutingKey, JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!));
            return Task.CompletedTask;
        };
        await recorderChannel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
    }

    public async Task DisposeAsync()
    {
        await recorderChannel.DisposeAsync();
        await rabbitConnection.DisposeAsync();
        Admin.Dispose();
        await emulatorFactory.DisposeAsync();
        await RabbitMq.DisposeAsync();
    }

    /// <summary>EmailReceived events of one account, in arrival order.</summary>
    public List<JsonNode> Received(Guid accountId) =>
        [.. Events.Where(e => e.Type == "EmailReceived" && e.Body["accountId"]!.GetValue<Guid>() == accountId).Select(e => e.Body)];

    public List<string> ReceivedIds(Guid accountId) => [.. Received(accountId).Select(e => e["gmailMessageId"]!.GetValue<string>())];

    public List<JsonNode> Completed(Guid accountId) =>
        [.. Events.Where(e => e.Type == "SyncCompleted" && e.Body["accountId"]!.GetValue<Guid>() == accountId).Select(e => e.Body)];

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }

            await Task.Delay(25);
        }
    }

    public async Task<string> CreateDatabaseAsync() =>
        await Postgres.CreateDatabaseAsync("emaildb_" + Guid.NewGuid().ToString("N")[..12]);

    public async Task CreateMailboxAsync(string email)
    {
        using var response = await Admin.PostAsJsonAsync("emulator/mailboxes", new { email });
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> MintRefreshTokenAsync(string email)
    {
        using var response = await Admin.PostAsJsonAsync("emulator/tokens", new { email, scopes = new[] { "https://www.googleapis.com/auth/gmail.modify" } });
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["refresh_token"]!.GetValue<string>();
    }

    /// <summary>Imports an existing message; returns its Gmail id.</summary>
    public async Task<string> ImportAsync(string email, string rfc822, DateTimeOffset internalDate, string[]? labelIds = null)
    {
        var query = string.Join('&', (labelIds ?? ["INBOX"]).Select(l => "labelIds=" + Uri.EscapeDataString(l)).Append("internalDate=" + internalDate.ToUnixTimeMilliseconds()));
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(rfc822.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await Admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(email)}/messages?{query}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import failed: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>Delivers a new message (INBOX, UNREAD, a history record and a push notification); returns its id.</summary>
    public async Task<string> DeliverAsync(string email, string rfc822)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(rfc822.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await Admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(email)}/deliver", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"deliver failed: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public async Task PutFaultsAsync(object faults)
    {
        using var response = await Admin.PutAsJsonAsync("emulator/faults", faults);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"faults refused: {(int)response.StatusCode} {body}");
    }

    public async Task ClearFaultsAsync()
    {
        using var response = await Admin.DeleteAsync("emulator/faults");
        response.EnsureSuccessStatusCode();
    }

    public async Task SubscribePushAsync(string topic, Uri endpoint)
    {
        using var response = await Admin.PutAsJsonAsync("emulator/push/subscriptions", new { topic, endpoint = endpoint.ToString() });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"push subscription refused: {(int)response.StatusCode} {body}");
    }

    /// <summary>Whether the emulator holds a live users.watch for <paramref name="email"/>.</summary>
    public async Task<bool> IsWatchedAsync(string email)
    {
        var status = JsonNode.Parse(await Admin.GetStringAsync("emulator/push/status"))!;
        return status["watches"]!.AsArray().Any(w => string.Equals(w!["emailAddress"]!.GetValue<string>(), email, StringComparison.OrdinalIgnoreCase));
    }

    public static string Mail(string subject, string body = "Hello there.", string from = "Alice <alice@example.com>") =>
        $"From: {from}\r\nTo: user@example.com\r\nSubject: {subject}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n";

    private sealed class EmulatorFactory : WebApplicationFactory<EmulatorProgram>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Emulator:Quota:UnitsPerSecond", "100000");
            builder.UseSetting("Emulator:Quota:MaxConcurrentRequestsPerUser", "1000");
            builder.UseSetting("Emulator:Push:MinNotificationInterval", "00:00:00.200");
            builder.UseSetting("Emulator:Push:InitialRetryDelay", "00:00:00.200");
        }
    }
}

public sealed record RecordedEvent(string Type, JsonNode Body);
