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

namespace GmailAutomation.DraftService.Tests.Support;

[CollectionDefinition(Name)]
public sealed class DraftCollection : ICollectionFixture<DraftEnvironment>
{
    public const string Name = "drafts";
}

/// <summary>
/// Everything the draft-service talks to, real and local: Redis, PostgreSQL, RabbitMQ and the Gmail emulator on
/// Kestrel (127.0.0.1, free ports), plus a recorder of every <c>DraftCreated</c> and <c>DraftRegenerationRequested</c>.
/// </summary>
public sealed class DraftEnvironment : IAsyncLifetime
{
    public const string ClientId = "gmail-automation-local";

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
        await recorderChannel.QueueBindAsync(queue.QueueName, "gmail-automation", "DraftCreated");
        await recorderChannel.QueueBindAsync(queue.QueueName, "gmail-automation", "DraftRegenerationRequested");
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

    public List<JsonNode> Recorded(string type, Guid accountId) =>
        [.. Events.Where(e => e.Type == type && e.Body["accountId"]!.GetValue<Guid>() == accountId).Select(e => e.Body)];

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }

    public async Task<string> CreateDatabaseAsync() =>
        await Postgres.CreateDatabaseAsync("draftdb_" + Guid.NewGuid().ToString("N")[..12]);

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

    /// <summary>Imports an existing message (optionally into a thread); returns its Gmail id and thread id.</summary>
    public async Task<(string Id, string ThreadId)> ImportAsync(string email, string rfc822, DateTimeOffset internalDate, string[]? labelIds = null, string? threadId = null)
    {
        var parameters = (labelIds ?? ["INBOX"]).Select(l => "labelIds=" + Uri.EscapeDataString(l))
            .Append("internalDate=" + internalDate.ToUnixTimeMilliseconds());
        if (threadId is not null)
        {
            parameters = parameters.Append("threadId=" + threadId);
        }

        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(rfc822.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await Admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(email)}/messages?{string.Join('&', parameters)}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import failed: {(int)response.StatusCode} {body}");
        var json = JsonNode.Parse(body)!;
        return (json["id"]!.GetValue<string>(), json["threadId"]!.GetValue<string>());
    }

    public static string Mail(string subject, string body = "Could you send me the figures by Friday?", string from = "Alice <alice@example.com>", string to = "user@example.com", string? messageId = null, string contentType = "text/plain", string? extraHeaders = null) =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: {messageId ?? $"<{Guid.NewGuid():N}@example.com>"}\r\n{extraHeaders}MIME-Version: 1.0\r\nContent-Type: {contentType}; charset=utf-8\r\n\r\n{body}\r\n";

    private sealed class EmulatorFactory : WebApplicationFactory<EmulatorProgram>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Emulator:Quota:UnitsPerSecond", "100000");
            builder.UseSetting("Emulator:Quota:MaxConcurrentRequestsPerUser", "1000");
        }
    }
}

public sealed record RecordedEvent(string Type, JsonNode Body);
