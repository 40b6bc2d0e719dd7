using GmailAutomation.EmailService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.EmailService.Sync;

/// <summary>
/// Spreads accounts over the replicas and runs one sync loop per account it holds a lease on. Each round it renews
/// its leases (a loop whose lease is gone stops), drops accounts that should no longer sync, gives up accounts above
/// its fair share of the live replicas, and takes unowned accounts up to that share — so a dead replica's accounts
/// are picked up once their leases expire.
/// </summary>
public sealed partial class SyncScheduler(
    IServiceScopeFactory scopes,
    AccountLeases leases,
    AccountSignals signals,
    AccountSyncer syncer,
    GmailUsage usage,
    EmailServiceMetrics metrics,
    IOptions<EmailSyncOptions> options,
    TimeProvider time,
    ILogger<SyncScheduler> logger) : BackgroundService
{
    private readonly Dictionary<Guid, Worker> workers = [];
    private readonly AccountWakeup poke = new();

    /// <summary>Accounts this replica syncs now.</summary>
    public IReadOnlyCollection<Guid> Owned
    {
        get
        {
            lock (workers)
            {
                return [.. workers.Keys];
            }
        }
    }

    /// <summary>Runs a scheduling round now (an account was connected or changed).</summary>
    public void Poke() => poke.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await signals.StartAsync();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RoundAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(ex);
                }

                await poke.WaitAsync(options.Value.SchedulerInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopAllAsync();
        }
    }

    private async Task RoundAsync(CancellationToken stoppingToken)
    {
        var replicas = await leases.HeartbeatAsync();

        // Finished loops (account stopped, lease lost) give their account back.
        foreach (var (id, worker) in Snapshot().Where(w => w.Value.Task.IsCompleted))
        {
            await StopAsync(id, worker);
        }

        // Renew what we hold; a lease that is gone means another replica has the account.
        var held = Snapshot();
        var renewed = await Task.WhenAll(held.Select(async w => (w.Key, w.Value, Ok: await leases.RenewAsync(w.Key))));
        foreach (var (id, worker, ok) in renewed.Where(r => !r.Ok))
        {
            LogLeaseLost(id);
            await StopAsync(id, worker);
        }

        List<(Guid Id, string Email)> active;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
            active = (await db.Accounts.AsNoTracking()
                .Where(a => a.Connected && !a.Paused && !a.ReconnectRequired && a.EmailAddress != "")
                .Select(a => new { a.Id, a.EmailAddress })
                .ToListAsync(stoppingToken))
                .Select(a => (a.Id, a.EmailAddress))
                .ToList();
        }

        var activeIds = active.Select(a => a.Id).ToHashSet();
        foreach (var (id, worker) in Snapshot().Where(w => !activeIds.Contains(w.Key)))
        {
            await StopAsync(id, worker);
        }

        await StopWatchesAsync(stoppingToken);

        var share = Math.Min(options.Value.MaxAccountsPerReplica, (active.Count + replicas - 1) / replicas);
        var owned = Snapshot();
        foreach (var (id, worker) in owned.Skip(share))
        {
            // Above the fair share (a replica joined): hand accounts over; their checkpoints let the next owner resume.
            await StopAsync(id, worker);
        }

        var count = Math.Min(owned.Count, share);
        foreach (var (id, email) in active.Where(a => !owned.ContainsKey(a.Id)).OrderBy(_ => Random.Shared.Next()))
        {
            if (count >= share || stoppingToken.IsCancellationRequested)
            {
                break;
            }

            if (await leases.TryAcquireAsync(id) is { } lease)
            {
                Start(lease, email, stoppingToken);
                count++;
            }
        }
    }

    /// <summary>
    /// Paused and disconnected accounts get no more push notifications: their recorded watches are stopped (their
    /// loops have ended, so nothing renews them). Any replica may do it; <see cref="AccountSyncer.StopWatchAsync"/>
    /// makes sure only one calls Gmail.
    /// </summary>
    private async Task StopWatchesAsync(CancellationToken stoppingToken)
    {
        List<(Guid Id, string Email, DateTimeOffset Expires, bool HasGrant)> watched;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
            watched = (await db.Accounts.AsNoTracking()
                .Where(a => a.WatchExpiresAt != null && (!a.Connected || a.Paused || a.ReconnectRequired))
                .Select(a => new { a.Id, a.EmailAddress, a.WatchExpiresAt, HasGrant = a.Connected && !a.ReconnectRequired })
                .ToListAsync(stoppingToken))
                .Select(a => (a.Id, a.EmailAddress, a.WatchExpiresAt!.Value, a.HasGrant))
                .ToList();
        }

        foreach (var (id, email, expires, hasGrant) in watched)
        {
            try
            {
                await syncer.StopWatchAsync(id, email, expires, callGmail: hasGrant && email.Length > 0, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStopWatchFailed(id, ex.Message);
            }
        }
    }

    private void Start(AccountLease lease, string email, CancellationToken stoppingToken)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var task = Task.Run(() => RunAccountAsync(lease, email, cancellation.Token), CancellationToken.None);
        lock (workers)
        {
            workers[lease.AccountId] = new Worker(cancellation, task);
        }

        LogStarted(lease.AccountId, lease.Fence);
    }

    /// <summary>One account's loop: sync, then wait for a push signal or the polling interval; errors back off.</summary>
    private async Task RunAccountAsync(AccountLease lease, string email, CancellationToken cancellationToken)
    {
        GmailUsage.Enter(email);
        var wakeup = signals.Register(lease.AccountId);
        var settings = options.Value;
        DateTimeOffset? watchedAt = null;
        TimeSpan? interval = null;
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var account = await LoadAsync(lease.AccountId, cancellationToken);
                if (account is not { ShouldSync: true })
                {
                    return;
                }

                var preferred = account.PollingIntervalSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.DefaultPollingInterval;
                interval ??= preferred;
                var now = time.GetUtcNow();
                if (settings.PushEnabled && (watchedAt is null || now - watchedAt >= settings.WatchRenewInterval))
                {
                    try
                    {
                        await syncer.WatchAsync(lease, email, cancellationToken);
                        watchedAt = now;
                    }
                    catch (Exception ex) when (ex is not (OperationCanceledException or LeaseLostException))
                    {
                        // Polling still finds the mail; the watch is tried again next round.
                        LogWatchFailed(lease.AccountId, ex.Message);
                    }
                }

                TimeSpan wait;
                try
                {
                    var found = await syncer.SyncAsync(lease, cancellationToken);
                    failures = 0;
                    interval = AdaptivePolling.Next(interval.Value, found > 0, preferred, account.AdaptivePolling, settings.MinPollingInterval, settings.MaxPollingInterval);
                    wait = interval.Value;
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or LeaseLostException))
                {
                    failures++;
                    wait = TimeSpan.FromTicks(Math.Min(settings.MaxErrorBackoff.Ticks, settings.MinErrorBackoff.Ticks * (1L << Math.Min(failures - 1, 20))));
                    LogSyncFailed(lease.AccountId, failures, wait, ex);
                    await RecordErrorAsync(lease.AccountId, ex.Message, cancellationToken);
                }

                await ReportAsync(lease.AccountId, email, cancellationToken);
                await wakeup.WaitAsync(wait, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (LeaseLostException)
        {
            LogLeaseLost(lease.AccountId);
        }
        finally
        {
            signals.Unregister(lease.AccountId);
            metrics.Forget(lease.AccountId);
        }
    }

    private async Task ReportAsync(Guid accountId, string email, CancellationToken cancellationToken)
    {
        var account = await LoadAsync(accountId, cancellationToken);
        if (account is null)
        {
            return;
        }

        var (units, rateLimited) = await usage.ReadAsync(email);
        var now = time.GetUtcNow();
        metrics.Report(accountId, new AccountFigures(
            account.Done,
            account.Estimated,
            account.HistoryId ?? 0,
            account.LastSyncAt is { } synced ? (now - synced).TotalSeconds : 0,
            account.WatchExpiresAt is { } expires ? (expires - now).TotalSeconds : 0,
            units,
            rateLimited));
    }

    private async Task<SyncAccount?> LoadAsync(Guid accountId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
    }

    private async Task RecordErrorAsync(Guid accountId, string error, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
            var at = time.GetUtcNow();
            var text = error.Length > 2000 ? error[..2000] : error;
            await db.Accounts.Where(a => a.Id == accountId)
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.LastError, text).SetProperty(a => a.LastErrorAt, at), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRecordFailed(accountId, ex.Message);
        }
    }

    private Dictionary<Guid, Worker> Snapshot()
    {
        lock (workers)
        {
            return new Dictionary<Guid, Worker>(workers);
        }
    }

    private async Task StopAsync(Guid accountId, Worker worker)
    {
        await worker.Cancellation.CancelAsync();
        try
        {
            await worker.Task;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWorkerFailed(accountId, ex);
        }

        worker.Cancellation.Dispose();
        lock (workers)
        {
            workers.Remove(accountId);
        }

        await leases.ReleaseAsync(accountId);
        LogStopped(accountId);
    }

    private async Task StopAllAsync()
    {
        await Task.WhenAll(Snapshot().Select(w => StopAsync(w.Key, w.Value)));
        await leases.LeaveAsync();
    }

    private sealed record Worker(CancellationTokenSource Cancellation, Task Task);

    [LoggerMessage(Level = LogLevel.Information, Message = "Syncing account {AccountId} (lease fence {Fence})")]
    private partial void LogStarted(Guid accountId, long fence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped syncing account {AccountId}")]
    private partial void LogStopped(Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease of account {AccountId} lost; another replica syncs it")]
    private partial void LogLeaseLost(Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sync of account {AccountId} failed ({Failures} in a row); next try in {Wait}")]
    private partial void LogSyncFailed(Guid accountId, int failures, TimeSpan wait, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "users.watch for account {AccountId} failed: {Error}")]
    private partial void LogWatchFailed(Guid accountId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "users.stop for account {AccountId} failed, tried again next round: {Error}")]
    private partial void LogStopWatchFailed(Guid accountId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the error of account {AccountId}: {Error}")]
    private partial void LogRecordFailed(Guid accountId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The sync loop of account {AccountId} ended with an error")]
    private partial void LogWorkerFailed(Guid accountId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduling round failed")]
    private partial void LogRoundFailed(Exception exception);
}
