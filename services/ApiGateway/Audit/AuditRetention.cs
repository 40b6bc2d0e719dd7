using System.ComponentModel.DataAnnotations;
using GmailAutomation.ApiGateway.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.ApiGateway.Audit;

/// <summary>How long audit entries are kept (<c>AuditRetention</c> section).</summary>
public sealed class AuditRetentionOptions
{
    public const string SectionName = "AuditRetention";

    /// <summary>Entries older than this many days are deleted by the retention job; 0 keeps them forever.</summary>
    [Range(0, 36_500)]
    public int Days { get; set; } = 365;

    /// <summary>How often the job runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// The only way audit entries ever leave the log: entries older than the retention period are deleted, in a
/// transaction that sets <c>audit.retention</c> so the table's append-only trigger lets this one statement through.
/// Safe on several replicas (each delete is idempotent).
/// </summary>
public sealed partial class AuditRetentionJob(
    IServiceScopeFactory scopes, IOptionsMonitor<AuditRetentionOptions> options, TimeProvider time, ILogger<AuditRetentionJob> logger) : BackgroundService
{
    /// <summary>Deletes the entries older than the retention period; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var days = options.CurrentValue.Days;
        if (days == 0)
        {
            return 0;
        }

        var cutoff = time.GetUtcNow().AddDays(-days);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("SET LOCAL audit.retention = 'on'", cancellationToken);
        var deleted = await db.Database.ExecuteSqlInterpolatedAsync($"""DELETE FROM audit_entries WHERE "OccurredAt" < {cutoff}""", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (deleted > 0)
        {
            LogPurged(deleted, days);
        }

        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }

            try
            {
                await Task.Delay(options.CurrentValue.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention deleted {Count} entries older than {Days} days")]
    private partial void LogPurged(int count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit retention run failed; it runs again at the next interval")]
    private partial void LogFailed(Exception exception);
}
