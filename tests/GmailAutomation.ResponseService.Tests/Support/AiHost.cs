using System.Collections.Concurrent;
using GmailAutomation.ResponseService.Ai;
using GmailAutomation.ResponseService.Data;
using GmailAutomation.ResponseService.Replies;
using GmailAutomation.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.ResponseService.Tests.Support;

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<ResponseDatabase>
{
    public const string Name = "responsedb";
}

/// <summary>A real PostgreSQL database with responsedb's migrations applied, shared by the provider tests.</summary>
public sealed class ResponseDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var postgres = await LocalPostgresServer.GetSharedAsync();
        var database = await postgres.CreateDatabaseAsync("responsedb_" + Guid.NewGuid().ToString("N")[..12]);
        ConnectionString = postgres.ConnectionStringFor(database);
        await using var db = new ResponseDbContext(new DbContextOptionsBuilder<ResponseDbContext>().UseNpgsql(ConnectionString).Options);
        await db.Database.MigrateAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// The response-service's AI part as the service wires it (service defaults, <c>AddAiProviders</c>, responsedb),
/// in a generic host with the given <c>Ai</c> settings, and a log recorder to prove what is (not) logged.
/// </summary>
public sealed class AiHost : IAsyncDisposable
{
    private readonly IHost host;

    private AiHost(IHost host, ConcurrentQueue<string> logs)
    {
        this.host = host;
        Logs = logs;
    }

    /// <summary>Every log line written by the host (all levels, exceptions included).</summary>
    public ConcurrentQueue<string> Logs { get; }

    public IServiceProvider Services => host.Services;

    public static async Task<AiHost> StartAsync(ResponseDatabase database, IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        builder.AddAiProviders();
        builder.Services.AddDbContext<ResponseDbContext>(o => o.UseNpgsql(database.ConnectionString));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ResponseServiceMetrics>();
        builder.Services.AddScoped<ReplyGenerator>();
        var logs = new ConcurrentQueue<string>();
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new RecordingLoggerProvider(logs));
        var host = builder.Build();
        await host.StartAsync();
        return new AiHost(host, logs);
    }

    public async Task<GeneratedText> GenerateAsync(ReplyContext context, ReplyAccount account)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ReplyGenerator>().GenerateAsync(context, account, CancellationToken.None);
    }

    public async Task<List<AiCall>> CallsAsync(Guid accountId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ResponseDbContext>().AiCalls.AsNoTracking()
            .Where(c => c.AccountId == accountId).OrderBy(c => c.Id).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}

/// <summary>Keeps every formatted log line (with exception text) so a test can search them.</summary>
public sealed class RecordingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(lines, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
