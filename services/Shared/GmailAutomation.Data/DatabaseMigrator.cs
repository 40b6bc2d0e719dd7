using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GmailAutomation.Data;

/// <summary>
/// Applies a service's checked-in migrations before it takes requests or events. Replicas start together, so the
/// whole step (reading what is applied, then applying the rest) runs under a PostgreSQL advisory lock: EF Core's own
/// migration lock is taken only after the applied migrations were read, and on a new database two replicas both saw
/// none applied, the second then failing at start-up on a column the first had just added.
/// </summary>
public sealed partial class DatabaseMigrator<TContext>(IServiceScopeFactory scopes, ILogger<DatabaseMigrator<TContext>> logger) : IHostedService
    where TContext : DbContext
{
    // The advisory lock's key, "GMAILMIG" (advisory locks are per database, so one key serves every service).
    private const string Lock = "SELECT pg_advisory_lock(5137834532968155463)";
    private const string Unlock = "SELECT pg_advisory_unlock(5137834532968155463)";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var database = db.Database.GetDbConnection().Database;

        // Session-level lock on a connection held open for the whole step; EF Core runs the migrations on it too.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync(Lock, cancellationToken);
            try
            {
                var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                await db.Database.MigrateAsync(cancellationToken);
                LogMigrated(database, pending.Count);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync(Unlock, CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Database} is up to date ({Applied} migrations applied)")]
    private partial void LogMigrated(string database, int applied);
}
