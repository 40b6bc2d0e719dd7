extern alias emulator;
extern alias auth;
extern alias email;

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.ClassificationService.Pipeline;
using GmailAutomation.EventBus;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using AuthProgram = auth::Program;
using EmailReceivedFactory = email::GmailAutomation.EmailService.Sync.EmailReceivedFactory;
using EmulatorProgram = emulator::Program;

namespace GmailAutomation.ClassificationService.Tests.Service;

[CollectionDefinition(Name)]
public sealed class ClassificationCollection : ICollectionFixture<ClassificationEnvironment>
{
    public const string Name = "classification-service";
}

/// <summary>
/// The classification service (its real Program) with everything it talks to, real and local: PostgreSQL
/// (a fresh classificationdb and authdb), Redis, RabbitMQ, the Gmail emulator and the auth-service on Kestrel
/// (127.0.0.1, free ports). Users sign in and connect mailboxes through the auth-service's real OAuth flow
/// against the emulator; EmailReceived events are made from the emulator's messages by the email-service's own factory.
/// </summary>
public sealed class ClassificationEnvironment : IAsyncLifetime
{
    public const string SigningKey = "classification-tests-signing-key-0123456789";
    public const string ServiceKey = "classification-tests-service-key-0123456789";

    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<EmailClassified> _classified = new();
    private readonly ConcurrentQueue<ClassificationRulesChanged> _changes = new();
    private readonly ConcurrentQueue<ClassificationCorrected> _corrections = new();
    private MeterListener _meters = null!;
    private IConnection _rabbit = null!;
    private IChannel _recorder = null!;

    public LocalRedisServer Redis { get; private set; } = null!;

    public LocalPostgresServer Postgres { get; private set; } = null!;

    public LocalRabbitMqServer RabbitMq { get; private set; } = null!;

    public WebApplicationFactory<EmulatorProgram> Emulator { get; private set; } = null!;

    public WebApplicationFactory<AuthProgram> Auth { get; private set; } = null!;

    public WebApplicationFactory<Program> Service { get; private set; } = null!;

    public Uri EmulatorUrl { get; private set; } = null!;

    public Uri AuthUrl { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public string ClassificationDb { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var redis = LocalRedisServer.GetSharedAsync();
        var postgres = LocalPostgresServer.GetSharedAsync();
        var rabbit = LocalRabbitMqServer.StartAsync();

        Emulator = new WebApplicationFactory<EmulatorProgram>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("Emulator:OAuth:AutoApprove", "true");
            web.ConfigureLogging(logging => logging.ClearProviders());
        });
        Emulator.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        Emulator.StartServer();
        EmulatorUrl = AddressOf(Emulator.Services);
        Admin = new HttpClient { BaseAddress = EmulatorUrl, Timeout = TimeSpan.FromSeconds(60) };

        Redis = await redis;
        Postgres = await postgres;
        RabbitMq = await rabbit;
        var authDb = await Postgres.CreateDatabaseAsync("authdb_" + Guid.NewGuid().ToString("N")[..12]);
        ClassificationDb = await Postgres.CreateDatabaseAsync("classificationdb_" + Guid.NewGuid().ToString("N")[..12]);

        await StartRecorderAsync();
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ClassificationServiceMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => _counters.AddOrUpdate(instrument.Name, value, (_, n) => n + value));
        _meters.Start();

        Auth = new WebApplicationFactory<AuthProgram>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = Redis.ConnectionString,
                ["ConnectionStrings:authdb"] = authDb,
                ["ConnectionStrings:rabbitmq"] = RabbitMq.ConnectionString,
                ["Identity:SigningKey"] = SigningKey,
                ["Internal:ServiceKey"] = ServiceKey,
                ["Google:ClientId"] = "gmail-automation-local",
                ["Google:ClientSecret"] = "local-secret",
                ["Google:AuthorizationEndpoint"] = new Uri(EmulatorUrl, "o/oauth2/v2/auth").ToString(),
                ["Google:TokenEndpoint"] = new Uri(EmulatorUrl, "token").ToString(),
                ["Google:RevocationEndpoint"] = new Uri(EmulatorUrl, "revoke").ToString(),
                ["Google:UserInfoEndpoint"] = new Uri(EmulatorUrl, "oauth2/v3/userinfo").ToString(),
                ["EventBus:SubscriptionClientName"] = "auth-service-" + Guid.NewGuid().ToString("N")[..8],
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        Auth.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        Auth.StartServer();
        AuthUrl = AddressOf(Auth.Services);

        Service = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = Redis.ConnectionString,
                ["ConnectionStrings:classificationdb"] = ClassificationDb,
                ["ConnectionStrings:rabbitmq"] = RabbitMq.ConnectionString,
                ["EventBus:SubscriptionClientName"] = "classification-service-" + Guid.NewGuid().ToString("N")[..8],
                ["EventBus:RetryDelays:0"] = "00:00:00.500",
                ["Gmail:BaseUrl"] = EmulatorUrl.ToString(),
                ["Gmail:TokenEndpoint"] = new Uri(EmulatorUrl, "token").ToString(),
                ["Gmail:ClientId"] = "gmail-automation-local",
                ["Gmail:ClientSecret"] = "local-secret",
                ["Gmail:Quota:UnitsPerSecond"] = "5000",
                ["Gmail:Retry:BaseDelay"] = "00:00:00.100",
                ["Gmail:Retry:MaxDelay"] = "00:00:01",
                ["AuthService:BaseUrl"] = AuthUrl.ToString(),
                ["Identity:SigningKey"] = SigningKey,
                ["Internal:ServiceKey"] = ServiceKey,
                ["Classification:CacheRecheckInterval"] = "00:00:00",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        _ = Service.Server;
    }

    /// <summary>A client of the classification service acting as <paramref name="user"/> (the gateway's identity header).</summary>
    public HttpClient ClientFor(TestUser? user)
    {
        var client = Service.CreateClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add(UserIdentityTokens.HeaderName, user.IdentityToken);
        }

        return client;
    }

    /// <summary>Signs a new person in through the auth-service and connects a new Gmail mailbox (real OAuth against the emulator).</summary>
    public async Task<TestUser> NewUserWithMailboxAsync(string prefix = "user")
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies };
        using var browser = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var person = $"{prefix}.{Guid.NewGuid():N}"[..20] + "@example.test";
        var mailbox = $"mbx.{Guid.NewGuid():N}"[..20] + "@example.test";

        var signedIn = await FollowOAuthAsync(browser, new Uri(AuthUrl, $"api/auth/signin?loginHint={Uri.EscapeDataString(person)}&connectGmail=false"), null);
        var identity = signedIn["identityToken"]!.GetValue<string>();
        var userId = signedIn["user"]!["id"]!.GetValue<Guid>();
        var connected = await FollowOAuthAsync(browser, new Uri(AuthUrl, $"api/accounts/connect?loginHint={Uri.EscapeDataString(mailbox)}"), identity);
        var accountId = connected["account"]!["id"]!.GetValue<Guid>();
        return new TestUser(userId, identity, accountId, mailbox);
    }

    /// <summary>Puts a message into the mailbox (as existing mail); returns its Gmail id.</summary>
    public async Task<string> ImportAsync(string mailbox, byte[] raw)
    {
        using var content = new ByteArrayContent(raw);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("message/rfc822");
        using var response = await Admin.PostAsync($"emulator/mailboxes/{Uri.EscapeDataString(mailbox)}/messages", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    /// <summary>The EmailReceived the email-service would publish for the message (its factory, the message read raw from Gmail).</summary>
    public async Task<EmailReceived> ReceivedEventAsync(TestUser user, string messageId)
    {
        var gmail = Service.Services.GetRequiredService<GmailApiClient>();
        var message = await gmail.GetMessageAsync(user.Mailbox, messageId, MessageFormat.Raw);
        return EmailReceivedFactory.Create(user.AccountId, message, EmailSyncSources.Initial, 64 * 1024);
    }

    public Task PublishAsync(IntegrationEvent @event) => Service.Services.GetRequiredService<IEventBus>().PublishAsync(@event);

    public async Task<GmailMessage> GmailMessageAsync(TestUser user, string messageId) =>
        await Service.Services.GetRequiredService<GmailApiClient>().GetMessageAsync(user.Mailbox, messageId, MessageFormat.Minimal);

    public async Task<IReadOnlyDictionary<string, string>> LabelNamesAsync(TestUser user) =>
        (await Service.Services.GetRequiredService<GmailApiClient>().ListLabelsAsync(user.Mailbox)).ToDictionary(l => l.Id!, l => l.Name!);

    /// <summary>Gmail calls the emulator allowed for the mailbox so far (every call the service made for it).</summary>
    public async Task<long> GmailCallsAsync(string mailbox)
    {
        var snapshot = await Admin.GetFromJsonAsync<JsonObject>($"emulator/quota/{Uri.EscapeDataString(mailbox)}");
        return snapshot!["callsAllowed"]!.GetValue<long>();
    }

    public long Counter(string name) => _counters.GetValueOrDefault(name);

    public IReadOnlyList<EmailClassified> Classified(Guid accountId) => [.. _classified.Where(e => e.AccountId == accountId)];

    /// <summary>The <see cref="ClassificationRulesChanged"/> the service published for the user so far, in the order they were raised.</summary>
    public IReadOnlyList<ClassificationRulesChanged> RuleChanges(Guid userId) => [.. _changes.Where(e => e.UserId == userId).OrderBy(e => e.CreatedAt)];

    /// <summary>The <see cref="ClassificationCorrected"/> the service published for the account so far.</summary>
    public IReadOnlyList<ClassificationCorrected> Corrections(Guid accountId) => [.. _corrections.Where(e => e.AccountId == accountId)];

    public async Task<T> QueryAsync<T>(Func<ClassificationDbContext, Task<T>> query)
    {
        await using var scope = Service.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ClassificationDbContext>());
    }

    /// <summary>Waits (bounded) until <paramref name="done"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await done())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Timed out waiting for {what}.");
    }

    public async Task DisposeAsync()
    {
        _meters.Dispose();
        await Service.DisposeAsync();
        await Auth.DisposeAsync();
        await Emulator.DisposeAsync();
        await _recorder.DisposeAsync();
        await _rabbit.DisposeAsync();
        Admin.Dispose();
        await RabbitMq.DisposeAsync();
    }

    private async Task StartRecorderAsync()
    {
        _rabbit = await new ConnectionFactory { Uri = new Uri(RabbitMq.ConnectionString) }.CreateConnectionAsync();
        _recorder = await _rabbit.CreateChannelAsync();
        await _recorder.ExchangeDeclareAsync("gmail-automation", ExchangeType.Topic, durable: true, autoDelete: false);
        var queue = await _recorder.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        foreach (var type in new[] { nameof(EmailClassified), nameof(ClassificationRulesChanged), nameof(ClassificationCorrected) })
        {
            await _recorder.QueueBindAsync(queue.QueueName, "gmail-automation", type);
        }

        var consumer = new AsyncEventingBasicConsumer(_recorder);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            switch (delivery.RoutingKey)
            {
                case nameof(ClassificationRulesChanged):
                    _changes.Enqueue((ClassificationRulesChanged)IntegrationEventSerializer.Deserialize(delivery.Body.Span, typeof(ClassificationRulesChanged)));
                    break;
                case nameof(ClassificationCorrected):
                    _corrections.Enqueue((ClassificationCorrected)IntegrationEventSerializer.Deserialize(delivery.Body.Span, typeof(ClassificationCorrected)));
                    break;
                default:
                    _classified.Enqueue((EmailClassified)IntegrationEventSerializer.Deserialize(delivery.Body.Span, typeof(EmailClassified)));
                    break;
            }

            return Task.CompletedTask;
        };
        await _recorder.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
    }

    private static async Task<JsonObject> FollowOAuthAsync(HttpClient browser, Uri start, string? identity)
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

            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{next}: {(int)response.StatusCode} {body}");
            return JsonNode.Parse(body)!.AsObject();
        }

        throw new InvalidOperationException("Too many redirects in the OAuth flow.");
    }

    private static Uri AddressOf(IServiceProvider services) =>
        new(services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
}

/// <summary>A signed-in person with one connected mailbox.</summary>
public sealed record TestUser(Guid UserId, string IdentityToken, Guid AccountId, string Mailbox);
