extern alias emulator;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ResponseService.Data;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using EmulatorProgram = emulator::Program;

namespace GmailAutomation.ResponseService.Tests.Support;

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineEnvironment>
{
    public const string Name = "pipeline";
}

/// <summary>
/// Everything the response-service talks to, real and local: Redis, PostgreSQL, RabbitMQ, the Gmail emulator on
/// Kestrel, an OpenAI-compatible chat server, and a recorder of every <c>ReplyGenerated</c> on the exchange.
/// </summary>
public sealed class PipelineEnvironment : IAsyncLifetime
{
    public const string ClientId = "gmail-automation-local";

    private EmulatorFactory emulatorFactory = null!;
    private IConnection rabbitConnection = null!;
    private IChannel recorderChannel = null!;

    public LocalRedisServer Redis { get; private set; } = null!;

    public LocalPostgresServer Postgres { get; private set; } = null!;

    public LocalRabbitMqServer RabbitMq { get; private set; } = null!;

    public FakeChatServer Chat { get; private set; } = null!;

    public Uri EmulatorUrl { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public ConcurrentQueue<JsonNode> Replies { get; } = new();

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
        Chat = await FakeChatServer.StartAsync();
        Redis = await redis;
        Postgres = await postgres;
        RabbitMq = await rabbit;

        rabbitConnection = await new ConnectionFactory { Uri = new Uri(RabbitMq.ConnectionString) }.CreateConnectionAsync();
        recorderChannel = await rabbitConnection.CreateChannelAsync();
        await recorderChannel.ExchangeDeclareAsync("gmail-automation", ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await recorderChannel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        await recorderChannel.QueueBindAsync(queue.QueueName, "gmail-automation", "ReplyGenerated");
        var consumer = new AsyncEventingBasicConsumer(recorderChannel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Replies.Enqueue(JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!);
            return Task.CompletedTask;
        };
        await recorderChannel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
    }

    public async Task DisposeAsync()
    {
        await recorderChannel.DisposeAsync();
        await rabbitConnection.DisposeAsync();
        Admin.Dispose();
        await Chat.DisposeAsync();
        await emulatorFactory.DisposeAsync();
        await RabbitMq.DisposeAsync();
    }

    public List<JsonNode> RepliesFor(Guid accountId, string messageId) =>
        [.. Replies.Where(r => r["accountId"]!.GetValue<Guid>() == accountId && r["gmailMessageId"]!.GetValue<string>() == messageId)];

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

    /// <summary>A new emulator mailbox and a refresh token for it.</summary>
    public async Task<(string Email, string RefreshToken)> NewMailboxAsync()
    {
        var email = $"u{Guid.NewGuid():N}"[..20] + "@example.com";
        using (var created = await Admin.PostAsJsonAsync("emulator/mailboxes", new { email }))
        {
            created.EnsureSuccessStatusCode();
        }

        using var token = await Admin.PostAsJsonAsync("emulator/tokens", new { email, scopes = new[] { "https://www.googleapis.com/auth/gmail.modify" } });
        token.EnsureSuccessStatusCode();
        return (email, JsonNode.Parse(await token.Content.ReadAsStringAsync())!["refresh_token"]!.GetValue<string>());
    }

    /// <summary>Imports a message into the mailbox's INBOX; returns its Gmail id and thread id.</summary>
    public async Task<(string Id, string ThreadId)> ImportAsync(string email, string rfc822)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(rfc822.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new("message/rfc822");
        using var response = await Admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(email)}/messages?labelIds=INBOX", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import failed: {(int)response.StatusCode} {body}");
        var json = JsonNode.Parse(body)!;
        var id = json["id"]!.GetValue<string>();
        return (id, json["threadId"]?.GetValue<string>() ?? id);
    }

    public static string Mail(string subject, string body, string from = "Alice Example <alice@example.com>", string to = "owner@example.com", string? inReplyTo = null) =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@example.com>\r\n"
        + (inReplyTo is null ? string.Empty : $"In-Reply-To: {inReplyTo}\r\nReferences: {inReplyTo}\r\n")
        + $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n";

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

/// <summary>The response-service (its real Program) on Kestrel at 127.0.0.1 on a free port, wired to the environment.</summary>
public sealed class ResponseServiceHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;

    public ResponseServiceHost(PipelineEnvironment environment, string database, IDictionary<string, string?> extra)
    {
        settings = new Dictionary<string, string?>(extra)
        {
            ["ConnectionStrings:redis"] = environment.Redis.ConnectionString,
            ["ConnectionStrings:responsedb"] = environment.Postgres.ConnectionStringFor(database),
            ["ConnectionStrings:rabbitmq"] = environment.RabbitMq.ConnectionString,
            ["EventBus:SubscriptionClientName"] = "response-service-" + Guid.NewGuid().ToString("N")[..8],
            ["Gmail:BaseUrl"] = environment.EmulatorUrl.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(environment.EmulatorUrl, "token").ToString(),
            ["Gmail:ClientId"] = PipelineEnvironment.ClientId,
            ["Gmail:ClientSecret"] = "local-secret",
            ["Gmail:Quota:UnitsPerSecond"] = "2000",
            ["Identity:SigningKey"] = "response-service-tests-signing-key-0123456789",
            ["Internal:ServiceKey"] = "response-service-tests-internal-key-0123456789",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Responses:UseAuthServiceDirectory"] = "false",
            ["Responses:OutboxSweepInterval"] = "00:00:00.200",
            ["Ai:Providers:openai-compatible:BaseUrl"] = environment.Chat.BaseUrl.ToString(),
            ["Ai:Providers:openai-compatible:Model"] = "local-model",
            ["Ai:Providers:openai-compatible:TimeoutSeconds"] = "5",
        };
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public Uri BaseUrl { get; }

    public HttpClient Http() => new() { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public Task PublishAsync(IntegrationEvent @event) => Services.GetRequiredService<IEventBus>().PublishAsync(@event);

    public async Task<T> QueryAsync<T>(Func<ResponseDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ResponseDbContext>());
    }

    public Task SetOwnerAsync(Guid accountId, Guid userId) =>
        QueryAsync(db => db.Accounts.Where(a => a.Id == accountId).ExecuteUpdateAsync(set => set.SetProperty(a => a.UserId, userId)));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
