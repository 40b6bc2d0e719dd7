using System.Net;
using GmailAutomation.EmailService.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.EmailService.Tests.Support;

/// <summary>What a test group of email-service replicas shares: the database, the queue name and the Gmail accounts.</summary>
public sealed class SyncGroup(SyncEnvironment environment, string database)
{
    public const string PushToken = "push-secret-0123456789abcdef";

    public string Database { get; } = database;

    public string QueueName { get; } = "email-service-" + Guid.NewGuid().ToString("N")[..8];

    public string Topic { get; } = "projects/gmail-automation-local/topics/t" + Guid.NewGuid().ToString("N")[..10];

    public Dictionary<string, string> RefreshTokens { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, string?> Settings { get; } = [];

    public SyncEnvironment Environment => environment;

    public static async Task<SyncGroup> CreateAsync(SyncEnvironment environment) =>
        new(environment, await environment.CreateDatabaseAsync());

    /// <summary>A new mailbox whose refresh token the replicas will use.</summary>
    public async Task<(Guid AccountId, string Email)> AddMailboxAsync()
    {
        var email = $"u{Guid.NewGuid():N}"[..20] + "@example.com";
        await environment.CreateMailboxAsync(email);
        RefreshTokens[email] = await environment.MintRefreshTokenAsync(email);
        return (Guid.NewGuid(), email);
    }

    public EmailServiceHost StartReplica(string name = "replica-a") => new(this, name);
}

/// <summary>One email-service replica (its real Program) on Kestrel at 127.0.0.1 on a free port.</summary>
public sealed class EmailServiceHost : WebApplicationFactory<Program>
{
    private readonly SyncGroup group;
    private readonly string name;

    public EmailServiceHost(SyncGroup group, string name)
    {
        this.group = group;
        this.name = name;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public Uri BaseUrl { get; }

    public Uri PushUrl => new(BaseUrl, $"api/push/gmail?token={SyncGroup.PushToken}");

    public HttpClient Http() => new() { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public Task ConnectAsync(Guid accountId, string email) => PublishAsync(new AccountConnected { AccountId = accountId, EmailAddress = email });

    /// <summary>Publishes an event on the real broker, as the auth-service would.</summary>
    public Task PublishAsync(IntegrationEvent @event) => Services.GetRequiredService<IEventBus>().PublishAsync(@event);

    public async Task<SyncAccount?> AccountAsync(Guid accountId)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EmailDbContext>().Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId);
    }

    public async Task UpdateAccountAsync(Guid accountId, Action<SyncAccount> change)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId);
        change(account);
        await db.SaveChangesAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var environment = group.Environment;
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = environment.Redis.ConnectionString,
            ["ConnectionStrings:emaildb"] = environment.Postgres.ConnectionStringFor(group.Database),
            ["ConnectionStrings:rabbitmq"] = environment.RabbitMq.ConnectionString,
            ["EventBus:SubscriptionClientName"] = group.QueueName,
            ["Gmail:BaseUrl"] = environment.EmulatorUrl.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(environment.EmulatorUrl, "token").ToString(),
            ["Gmail:ClientId"] = SyncEnvironment.ClientId,
            ["Gmail:ClientSecret"] = SyncEnvironment.ClientSecret,
            ["Gmail:Quota:UnitsPerSecond"] = "2000",
            ["Gmail:Retry:BaseDelay"] = "00:00:00.100",
            ["Gmail:Retry:MaxDelay"] = "00:00:01",
            ["Identity:SigningKey"] = "email-service-tests-signing-key-0123456789",
            ["Internal:ServiceKey"] = "email-service-tests-internal-key-0123456789",
            ["Logging:LogLevel:Default"] = "Warning",
            ["EmailSync:ReplicaId"] = name + "-" + Guid.NewGuid().ToString("N")[..6],
            ["EmailSync:UseAuthServiceDirectory"] = "false",
            ["EmailSync:PushEnabled"] = "true",
            ["EmailSync:PushTopic"] = group.Topic,
            ["EmailSync:PushToken"] = SyncGroup.PushToken,
            ["EmailSync:SchedulerInterval"] = "00:00:00.200",
            ["EmailSync:LeaseDuration"] = "00:00:03",
            ["EmailSync:MinErrorBackoff"] = "00:00:00.100",
            ["EmailSync:MaxErrorBackoff"] = "00:00:01",
            ["EmailSync:DefaultPollingInterval"] = "00:01:00",
            ["EmailSync:MinPollingInterval"] = "00:00:00.100",
        };
        foreach (var (email, token) in group.RefreshTokens)
        {
            settings[$"Gmail:RefreshTokens:{email}"] = token;
        }

        foreach (var (key, value) in group.Settings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
