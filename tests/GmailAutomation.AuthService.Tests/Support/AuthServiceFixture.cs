extern alias emulator;

using GmailAutomation.AuthService.Google;
using GmailAutomation.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using EmulatorProgram = emulator::Program;

namespace GmailAutomation.AuthService.Tests.Support;

/// <summary>
/// The auth-service against real Redis, PostgreSQL (a fresh <c>authdb</c>) and RabbitMQ, talking OAuth to the
/// real Gmail emulator in-process. Every call the service makes to the emulator goes through
/// <see cref="GoogleCalls"/>, so tests can count token-endpoint requests.
/// </summary>
public sealed class AuthServiceFixture : IAsyncLifetime
{
    public const string SigningKey = "auth-service-tests-signing-key-0123456789";
    public const string ServiceKey = "auth-service-tests-service-key-0123456789";
    public const string EmulatorOrigin = "http://google.emulator.test";

    public LocalRedisServer Redis { get; private set; } = null!;

    public LocalPostgresServer Postgres { get; private set; } = null!;

    public LocalRabbitMqServer RabbitMq { get; private set; } = null!;

    public WebApplicationFactory<EmulatorProgram> Emulator { get; private set; } = null!;

    public WebApplicationFactory<Program> Service { get; private set; } = null!;

    public RequestCounter GoogleCalls { get; } = new();

    public EventRecorder Events { get; private set; } = null!;

    public string AuthDbConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var redis = LocalRedisServer.GetSharedAsync();
        var postgres = LocalPostgresServer.GetSharedAsync();
        var rabbit = LocalRabbitMqServer.StartAsync();
        Redis = await redis;
        Postgres = await postgres;
        RabbitMq = await rabbit;
        AuthDbConnectionString = await Postgres.CreateDatabaseAsync("authdb_" + Guid.NewGuid().ToString("N")[..12]);
        Events = await EventRecorder.StartAsync(RabbitMq.ConnectionString);

        Emulator = new WebApplicationFactory<EmulatorProgram>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("Emulator:OAuth:AutoApprove", "true");
            web.ConfigureLogging(logging => logging.ClearProviders());
        });
        _ = Emulator.Server;

        Service = CreateService();
        _ = Service.Server;
    }

    /// <summary>Another replica of the auth-service over the same Redis, database and broker.</summary>
    public WebApplicationFactory<Program> CreateService(Action<IDictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = Redis.ConnectionString,
            ["ConnectionStrings:authdb"] = AuthDbConnectionString,
            ["ConnectionStrings:rabbitmq"] = RabbitMq.ConnectionString,
            ["Identity:SigningKey"] = SigningKey,
            ["Internal:ServiceKey"] = ServiceKey,
            ["Google:ClientId"] = "gmail-automation-local",
            ["Google:ClientSecret"] = "local-secret",
            ["Google:AuthorizationEndpoint"] = EmulatorOrigin + "/o/oauth2/v2/auth",
            ["Google:TokenEndpoint"] = EmulatorOrigin + "/token",
            ["Google:RevocationEndpoint"] = EmulatorOrigin + "/revoke",
            ["Google:UserInfoEndpoint"] = EmulatorOrigin + "/oauth2/v3/userinfo",
            ["Gmail:BaseUrl"] = EmulatorOrigin,
            ["Auth:OutboxPollInterval"] = "00:00:01",
        };
        configure?.Invoke(settings);

        return new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureLogging(logging => logging.ClearProviders());
            web.ConfigureTestServices(services =>
                services.AddHttpClient<GoogleOAuthClient>()
                    .ConfigurePrimaryHttpMessageHandler(() => Emulator.Server.CreateHandler())
                    .AddHttpMessageHandler(() => new CountingHandler(GoogleCalls)));
        });
    }

    public async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        await Emulator.DisposeAsync();
        await Events.DisposeAsync();
        await RabbitMq.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AuthServiceCollection : ICollectionFixture<AuthServiceFixture>
{
    public const string Name = "auth-service";
}

/// <summary>Counts requests by path (and token requests by grant type).</summary>
public sealed class RequestCounter
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int this[string key] => _counts.GetValueOrDefault(key);

    /// <summary>Token refreshes sent to the token endpoint.</summary>
    public int Refreshes => this["/token refresh_token"];

    public void Add(string key) => _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
}

internal sealed class CountingHandler(RequestCounter counter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        counter.Add(path);
        if (path == "/token" && request.Content is not null)
        {
            var form = await request.Content.ReadAsStringAsync(cancellationToken);
            var grant = System.Web.HttpUtility.ParseQueryString(form)["grant_type"];
            counter.Add($"/token {grant}");
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
