using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ApiGateway.Data;

/// <summary>Applies the checked-in migrations before the gateway takes requests or events (EF Core's migration lock serializes replicas).</summary>
public sealed partial class DatabaseMigrator(IServiceScopeFactory scopes, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        LogMigrated(pending.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "auditdb is up to date ({Applied} migrations applied)")]
    private partial void LogMigrated(int applied);
}
