using System.Net;
using GmailAutomation.DraftService.Data;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.GmailClient;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace GmailAutomation.DraftService.Tests.Support;

/// <summary>A test's draft-service: its own database and queue, the mailboxes whose refresh tokens it uses.</summary>
public sealed class DraftGroup(DraftEnvironment environment, string database)
{
    public string Database { get; } = database;

    public string QueueName { get; } = "draft-service-" + Guid.NewGuid().ToString("N")[..8];

    public Dictionary<string, string> RefreshTokens { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, string?> Settings { get; } = [];

    public List<IInterceptor> Interceptors { get; } = [];

    public DraftEnvironment Environment => environment;

    public static async Task<DraftGroup> CreateAsync(DraftEnvironment environment) =>
        new(environment, await environment.CreateDatabaseAsync());

    /// <summary>A new mailbox whose refresh token the service will use.</summary>
    public async Task<(Guid AccountId, string Email)> AddMailboxAsync()
    {
        var email = $"u{Guid.NewGuid():N}"[..20] + "@example.com";
        await environment.CreateMailboxAsync(email);
        RefreshTokens[email] = await environment.MintRefreshTokenAsync(email);
        return (Guid.NewGuid(), email);
    }

    public DraftServiceHost Start() => new(this);
}

/// <summary>The draft-service (its real Program) on Kestrel at 127.0.0.1 on a free port.</summary>
public sealed class DraftServiceHost : WebApplicationFactory<Program>
{
    private readonly DraftGroup group;

    public DraftServiceHost(DraftGroup group)
    {
        this.group = group;
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public Uri BaseUrl { get; }

    public IEventBus Bus => Services.GetRequiredService<IEventBus>();

    public GmailApiClient Gmail => Services.GetRequiredService<GmailApiClient>();

    /// <summary>An HTTP client signed in as <paramref name="userId"/> (the gateway's identity header).</summary>
    public HttpClient UserClient(Guid userId)
    {
        var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add(UserIdentityTokens.HeaderName, Services.GetRequiredService<UserIdentityTokens>().Issue(userId, "owner@example.com"));
        return http;
    }

    /// <summary>Connects the account through its event and waits until the service knows it, owned by <paramref name="userId"/>.</summary>
    public async Task ConnectAsync(Guid accountId, string email, Guid? userId = null)
    {
        await Bus.PublishAsync(new AccountConnected { AccountId = accountId, EmailAddress = email });
        await DraftEnvironment.WaitUntilAsync(async () => await AccountAsync(accountId) is not null, TimeSpan.FromSeconds(30), "the account to be known");
        if (userId is { } owner)
        {
            await WithDbAsync(db => db.Accounts.Where(a => a.Id == accountId).ExecuteUpdateAsync(set => set.SetProperty(a => a.UserId, owner)));
        }
    }

    public Task<DraftAccount?> AccountAsync(Guid accountId) =>
        WithDbAsync(db => db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId));

    public Task<DraftRecord?> DraftAsync(Guid accountId, string messageId) =>
        WithDbAsync(db => db.Drafts.AsNoTracking().SingleOrDefaultAsync(d => d.AccountId == accountId && d.GmailMessageId == messageId));

    public Task<List<DraftAuditEntry>> AuditAsync(Guid accountId, string messageId) =>
        WithDbAsync(db => db.Audit.AsNoTracking().Where(a => a.AccountId == accountId && a.GmailMessageId == messageId).OrderBy(a => a.Id).ToListAsync());

    /// <summary>Waits until the message's draft row has left Pending (or reached <paramref name="status"/>).</summary>
    public async Task<DraftRecord> WaitForDraftAsync(Guid accountId, string messageId, DraftStatus? status = null, TimeSpan? timeout = null)
    {
        DraftRecord? record = null;
        await DraftEnvironment.WaitUntilAsync(
            async () =>
            {
                record = await DraftAsync(accountId, messageId);
                return record is not null && (status is { } wanted ? record.Status == wanted : record.Status != DraftStatus.Pending);
            },
            timeout ?? TimeSpan.FromSeconds(30),
            $"the draft of {messageId} to be {status?.ToString() ?? "settled"}");
        return record!;
    }

    public async Task<T> WithDbAsync<T>(Func<DraftDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<DraftDbContext>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var environment = group.Environment;
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = environment.Redis.ConnectionString,
            ["ConnectionStrings:draftdb"] = environment.Postgres.ConnectionStringFor(group.Database),
            ["ConnectionStrings:rabbitmq"] = environment.RabbitMq.ConnectionString,
            ["EventBus:SubscriptionClientName"] = group.QueueName,
            ["EventBus:RetryDelays:0"] = "00:00:00.200",
            ["EventBus:RetryDelays:1"] = "00:00:00.500",
            ["Gmail:BaseUrl"] = environment.EmulatorUrl.ToString(),
            ["Gmail:TokenEndpoint"] = new Uri(environment.EmulatorUrl, "token").ToString(),
            ["Gmail:ClientId"] = DraftEnvironment.ClientId,
            ["Gmail:ClientSecret"] = "local-secret",
            ["Gmail:Quota:UnitsPerSecond"] = "5000",
            ["Gmail:Retry:BaseDelay"] = "00:00:00.100",
            ["Gmail:Retry:MaxDelay"] = "00:00:01",
            ["Identity:SigningKey"] = "draft-service-tests-signing-key-0123456789",
            ["Internal:ServiceKey"] = "draft-service-tests-internal-key-0123456789",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Drafts:UseAuthServiceDirectory"] = "false",
            ["Drafts:ClaimTimeout"] = "00:00:10",
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

        builder.ConfigureTestServices(services =>
        {
            foreach (var interceptor in group.Interceptors)
            {
                services.AddSingleton(interceptor);
            }
        });
    }
}
