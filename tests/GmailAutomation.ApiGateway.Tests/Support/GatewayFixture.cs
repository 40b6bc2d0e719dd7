extern alias auth;
extern alias emulator;

using System.Collections.Concurrent;
using System.Net;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using AuthProgram = auth::Program;
using EmulatorProgram = emulator::Program;
using GoogleOAuthClient = auth::GmailAutomation.AuthService.Google.GoogleOAuthClient;

namespace GmailAutomation.ApiGateway.Tests.Support;

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

/// <summary>
/// The gateway (its real Program) in front of real services: the auth-service on Kestrel with its own authdb,
/// talking OAuth to the Gmail emulator in-process; real Redis, RabbitMQ and PostgreSQL (a fresh auditdb).
/// The classification, response and draft services are being written beside this work, so their place is taken by
/// small Kestrel apps that record what reaches them (to prove routing and header handling, not their behaviour).
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string SigningKey = "gateway-tests-identity-signing-key-0123456789";
    public const string ServiceKey = "gateway-tests-internal-service-key-0123456789";
    public const string EmulatorOrigin = "http://google.emulator.test";

    public LocalRedisServer Redis { get; private set; } = null!;

    public LocalRabbitMqServer RabbitMq { get; private set; } = null!;

    public LocalPostgresServer Postgres { get; private set; } = null!;

    public WebApplicationFactory<EmulatorProgram> Emulator { get; private set; } = null!;

    public AuthServiceHost AuthService { get; private set; } = null!;

    /// <summary>Recording stand-ins for the services not written yet, by service name.</summary>
    public Dictionary<string, RecordingService> Recorders { get; } = new(StringComparer.Ordinal);

    public WebApplicationFactory<Program> Gateway { get; private set; } = null!;

    public string AuditDbConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var redis = LocalRedisServer.GetSharedAsync();
        var rabbit = LocalRabbitMqServer.StartAsync();
        var postgres = LocalPostgresServer.GetSharedAsync();
        Redis = await redis;
        RabbitMq = await rabbit;
        Postgres = await postgres;
        AuditDbConnectionString = await Postgres.CreateDatabaseAsync("auditdb_" + Guid.NewGuid().ToString("N")[..12]);
        var authDb = await Postgres.CreateDatabaseAsync("authdb_" + Guid.NewGuid().ToString("N")[..12]);

        Emulator = new WebApplicationFactory<EmulatorProgram>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("Emulator:OAuth:AutoApprove", "true");
            web.ConfigureLogging(logging => logging.ClearProviders());
        });
        _ = Emulator.Server;

        AuthService = new AuthServiceHost(this, authDb);
        foreach (var name in new[] { "email-service", "classification-service", "response-service", "draft-service" })
        {
            Recorders[name] = await RecordingService.StartAsync(name);
        }

        Gateway = CreateGateway();
        _ = Gateway.Server;
    }

    /// <summary>A gateway replica over the same services and databases, with its own event queue and extra settings.</summary>
    public WebApplicationFactory<Program> CreateGateway(Action<IDictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = Redis.ConnectionString,
            ["ConnectionStrings:rabbitmq"] = RabbitMq.ConnectionString,
            ["ConnectionStrings:postgres"] = Postgres.ConnectionString,
            ["ConnectionStrings:auditdb"] = AuditDbConnectionString,
            ["Identity:SigningKey"] = SigningKey,
            ["Internal:ServiceKey"] = ServiceKey,
            ["EventBus:SubscriptionClientName"] = "api-gateway-" + Guid.NewGuid().ToString("N")[..8],
            ["EventBus:RetryDelays:0"] = "00:00:00.200",
            // What Aspire's WithReference(service) gives the gateway: a service-discovery entry per service.
            ["services:auth-service:http:0"] = AuthService.BaseUrl.ToString().TrimEnd('/'),
        };
        foreach (var (name, recorder) in Recorders)
        {
            settings[$"services:{name}:http:0"] = recorder.BaseUrl;
        }

        configure?.Invoke(settings);
        return new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureLogging(logging => logging.ClearProviders());
        });
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var recorder in Recorders.Values)
        {
            await recorder.DisposeAsync();
        }

        await AuthService.DisposeAsync();
        await Emulator.DisposeAsync();
        await RabbitMq.DisposeAsync();
    }
}

/// <summary>The auth-service (its real Program) on Kestrel at 127.0.0.1, OAuth calls going to the in-process emulator.</summary>
public sealed class AuthServiceHost : WebApplicationFactory<AuthProgram>
{
    private readonly GatewayFixture _fixture;
    private readonly string _database;

    public AuthServiceHost(GatewayFixture fixture, string database)
    {
        _fixture = fixture;
        _database = database;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public Uri BaseUrl { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = _fixture.Redis.ConnectionString,
            ["ConnectionStrings:authdb"] = _database,
            ["ConnectionStrings:rabbitmq"] = _fixture.RabbitMq.ConnectionString,
            ["EventBus:SubscriptionClientName"] = "auth-service-" + Guid.NewGuid().ToString("N")[..8],
            ["Identity:SigningKey"] = GatewayFixture.SigningKey,
            ["Internal:ServiceKey"] = GatewayFixture.ServiceKey,
            ["Google:ClientId"] = "gmail-automation-local",
            ["Google:ClientSecret"] = "local-secret",
            ["Google:AuthorizationEndpoint"] = GatewayFixture.EmulatorOrigin + "/o/oauth2/v2/auth",
            ["Google:TokenEndpoint"] = GatewayFixture.EmulatorOrigin + "/token",
            ["Google:RevocationEndpoint"] = GatewayFixture.EmulatorOrigin + "/revoke",
            ["Google:UserInfoEndpoint"] = GatewayFixture.EmulatorOrigin + "/oauth2/v3/userinfo",
            ["Auth:OutboxPollInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders());
        builder.ConfigureTestServices(services =>
            services.AddHttpClient<GoogleOAuthClient>().ConfigurePrimaryHttpMessageHandler(() => _fixture.Emulator.Server.CreateHandler()));
    }
}

/// <summary>What reached a recording service: method, path and headers.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers);

/// <summary>A small Kestrel app with our service defaults that answers every request and remembers it.</summary>
public sealed class RecordingService : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingService(WebApplication app, string name)
    {
        _app = app;
        Name = name;
        BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public string Name { get; }

    public string BaseUrl { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<RecordingService> StartAsync(string name)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration["OTEL_SERVICE_NAME"] = name;
        builder.AddServiceDefaults();
        var app = builder.Build();
        RecordingService? self = null;
        app.MapDefaultEndpoints();
        app.Map("/{**path}", (HttpContext http) =>
        {
            var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            self!.Requests.Enqueue(new RecordedRequest(http.Request.Method, http.Request.Path + http.Request.QueryString, headers));
            return Results.Json(new { service = name, path = http.Request.Path.Value });
        });
        await app.StartAsync();
        self = new RecordingService(app, name);
        return self;
    }

    public RecordedRequest Last(string pathPrefix) =>
        Requests.Reverse().FirstOrDefault(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"{Name} received no request for {pathPrefix}.");

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
