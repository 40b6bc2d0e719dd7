using GmailAutomation.Common.Errors;
using GmailAutomation.EmailService.Data;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GmailAutomation.EmailService.Sync;

/// <summary>The account's lease was taken over by another replica: this replica must stop syncing it.</summary>
public sealed class LeaseLostException(Guid accountId)
    : Exception($"The lease of account {accountId} is held by another replica.");

/// <summary>
/// One account's sync steps: the window pass (initial or re-sync) and incremental history sync. Every page of work
/// is committed in one transaction with the events it produced (outbox), the processed message ids and the
/// checkpoint, so a crash at any point resumes at the last page and the history cursor never runs ahead of the
/// messages it covers. Every Gmail call goes through <see cref="GmailApiClient"/> (quota bucket, retries).
/// </summary>
public sealed partial class AccountSyncer(
    IServiceScopeFactory scopes,
    GmailApiClient gmail,
    OutboxPublisher outbox,
    EmailServiceMetrics metrics,
    IOptions<EmailSyncOptions> options,
    TimeProvider time,
    ILogger<AccountSyncer> logger)
{
    private static readonly string[] Excluded = ["DRAFT", "SPAM", "TRASH", "CHAT"];
    private static readonly string[] HistoryTypesWanted = [HistoryTypes.MessageAdded, HistoryTypes.LabelRemoved];

    /// <summary>Brings the account up to date; returns how many messages were handed on.</summary>
    public async Task<int> SyncAsync(AccountLease lease, CancellationToken cancellationToken)
    {
        var account = await LoadAsync(lease.AccountId, cancellationToken);
        if (account.ResyncRequested)
        {
            account = await StartResyncAsync(lease, "requested", cancellationToken);
        }

        var handedOn = 0;
        if (account.Phase is SyncPhase.Pending or SyncPhase.Initial or SyncPhase.Resync)
        {
            handedOn += await WindowPassAsync(lease, account, cancellationToken);
            account = await LoadAsync(lease.AccountId, cancellationToken);
        }

        return handedOn + await IncrementalAsync(lease, account, cancellationToken);
    }

    /// <summary>Asks Gmail to push changes of the account; returns when the watch expires.</summary>
    public async Task<DateTimeOffset> WatchAsync(AccountLease lease, string email, CancellationToken cancellationToken)
    {
        var answer = await gmail.WatchAsync(email, new WatchRequest { TopicName = options.Value.PushTopic }, cancellationToken);
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(answer.Expiration);
        await CommitAsync(lease, a => { a.WatchExpiresAt = expires; return null; }, [], cancellationToken);
        return expires;
    }

    /// <summary>
    /// Ends the Gmail watch of an account that should no longer sync. The recorded expiry is cleared first, so of
    /// several replicas only one calls <c>users.stop</c>; when the call fails the expiry is put back and the next
    /// scheduling round tries again. Without a usable grant (disconnected: the auth-service stopped the watch before
    /// revoking; reconnect required: there is no token to call with) only the record is cleared.
    /// </summary>
    /// <returns>Whether this call ended the watch at Gmail.</returns>
    public async Task<bool> StopWatchAsync(Guid accountId, string email, DateTimeOffset watchExpiresAt, bool callGmail, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        var claimed = await db.Accounts
            .Where(a => a.Id == accountId && a.WatchExpiresAt == watchExpiresAt)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.WatchExpiresAt, (DateTimeOffset?)null), cancellationToken);
        if (claimed == 0 || !callGmail)
        {
            return false;
        }

        try
        {
            await gmail.StopAsync(email, cancellationToken);
            LogWatchStopped(accountId);
            return true;
        }
        catch
        {
            await db.Accounts
                .Where(a => a.Id == accountId && a.WatchExpiresAt == null)
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.WatchExpiresAt, watchExpiresAt), CancellationToken.None);
            throw;
        }
    }

    /// <summary>Reads the whole window (newest first), skipping messages handed on before, then makes the pass's start the cursor.</summary>
    private async Task<int> WindowPassAsync(AccountLease lease, SyncAccount account, CancellationToken cancellationToken)
    {
        var kind = account.Phase == SyncPhase.Resync ? "resync" : EmailSyncSources.Initial;
        if (account.PassHistoryId is null)
        {
            // The pass's start: history after it is read incrementally once the window is done.
            var profile = await gmail.GetProfileAsync(account.EmailAddress, cancellationToken);
            var now = time.GetUtcNow();
            var windowStart = now.AddDays(-Math.Clamp(account.WindowDays, 7, 90));
            account = await CommitAsync(lease, a =>
            {
                a.Phase = a.Phase == SyncPhase.Pending ? SyncPhase.Initial : a.Phase;
                a.PassHistoryId = (long)profile.HistoryId;
                a.WindowStart = windowStart;
                a.PageToken = null;
                a.Done = 0;
                a.Skipped = 0;
                a.Estimated = 0;
                a.PassStartedAt = now;
                return null;
            }, [], cancellationToken);
            LogPassStarted(account.Id, kind, windowStart, profile.HistoryId);
        }

        var query = $"-in:drafts after:{account.WindowStart!.Value.ToUnixTimeSeconds()}";
        var pageToken = account.PageToken;
        var handedOn = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ListMessagesResponse page;
            try
            {
                page = await gmail.ListMessagesAsync(
                    account.EmailAddress,
                    new MessageListQuery { Q = query, MaxResults = Math.Clamp(account.BatchSize, 10, 500), PageToken = pageToken },
                    cancellationToken);
            }
            catch (ExternalServiceException ex) when (ex.UpstreamStatus == 400 && pageToken is not null)
            {
                // A page token Gmail no longer accepts: list again from the top; what was handed on is skipped.
                LogPageTokenRejected(account.Id);
                pageToken = null;
                continue;
            }

            var first = pageToken is null;
            var (events, skipped) = await FetchNewAsync(account, (page.Messages ?? []).Select(m => m.Id), EmailSyncSources.Initial, cancellationToken);
            var next = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
            var estimate = page.ResultSizeEstimate;
            await CommitAsync(lease, a =>
            {
                a.PageToken = next;
                a.Done += events.Count;
                a.Skipped += skipped;
                if (first)
                {
                    a.Estimated = Math.Max(a.Estimated, estimate);
                }

                a.Estimated = Math.Max(a.Estimated, a.Done + a.Skipped);
                a.LastSyncAt = time.GetUtcNow();
                a.LastError = null;
                return null;
            }, events, cancellationToken);
            handedOn += events.Count;
            metrics.MessagesSynced(EmailSyncSources.Initial, events.Count);
            if (next is null)
            {
                break;
            }

            pageToken = next;
        }

        var completedAt = time.GetUtcNow();
        var finished = await CommitAsync(lease, a =>
        {
            var started = a.PassStartedAt ?? completedAt;
            var cursor = a.PassHistoryId!.Value;
            a.HistoryId = Math.Max(a.HistoryId ?? 0, cursor);
            a.PassHistoryId = null;
            a.PageToken = null;
            a.Phase = SyncPhase.Incremental;
            a.LastSyncAt = completedAt;
            metrics.PassCompleted(kind, completedAt - started);
            if (kind != EmailSyncSources.Initial)
            {
                return null;
            }

            a.InitialCompletedAt = completedAt;
            return new SyncCompleted
            {
                AccountId = a.Id,
                Kind = EmailSyncSources.Initial,
                HistoryId = (ulong)cursor,
                MessagesSynced = a.Done,
                StartedAt = started,
                CompletedAt = completedAt,
            };
        }, [], cancellationToken);
        LogPassCompleted(finished.Id, kind, finished.Done, finished.Skipped, finished.HistoryId ?? 0);
        return handedOn;
    }

    /// <summary>Follows history from the cursor. An expired cursor starts a bounded re-sync of the window.</summary>
    private async Task<int> IncrementalAsync(AccountLease lease, SyncAccount account, CancellationToken cancellationToken)
    {
        var start = (ulong)(account.HistoryId ?? 0);
        string? pageToken = null;
        var handedOn = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ListHistoryResponse page;
            try
            {
                page = await gmail.ListHistoryAsync(
                    account.EmailAddress,
                    new HistoryQuery { StartHistoryId = start, HistoryTypes = HistoryTypesWanted, MaxResults = 500, PageToken = pageToken },
                    cancellationToken);
            }
            catch (GmailNotFoundException ex) when (ex.IsHistoryExpired)
            {
                LogHistoryExpired(account.Id, start);
                var resync = await StartResyncAsync(lease, "history-expired", cancellationToken);
                return handedOn + await WindowPassAsync(lease, resync, cancellationToken);
            }

            var records = page.History ?? [];
            var (events, _) = await FetchNewAsync(account, Candidates(records), EmailSyncSources.Incremental, cancellationToken);
            var next = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;

            // The cursor moves only as far as this committed page reaches.
            var cursor = next is null ? page.HistoryId : records.Count > 0 ? records.Max(r => r.Id) : start;
            await CommitAsync(lease, a =>
            {
                a.HistoryId = Math.Max(a.HistoryId ?? 0, (long)cursor);
                a.LastSyncAt = time.GetUtcNow();
                a.LastError = null;
                if (events.Count > 0)
                {
                    a.Done += events.Count;
                }

                return null;
            }, events, cancellationToken);
            handedOn += events.Count;
            metrics.MessagesSynced(EmailSyncSources.Incremental, events.Count);
            if (next is null)
            {
                return handedOn;
            }

            pageToken = next;
        }
    }

    /// <summary>Messages the history shows arriving, or leaving spam/trash/drafts, minus those deleted later in it.</summary>
    internal static List<string> Candidates(IReadOnlyList<HistoryRecord> records)
    {
        var wanted = new List<string>();
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            foreach (var added in record.MessagesAdded ?? [])
            {
                if (added.Message is { Id: { } id } message && !IsExcluded(message.LabelIds))
                {
                    wanted.Add(id);
                }
            }

            foreach (var removed in record.LabelsRemoved ?? [])
            {
                if (removed.Message is { Id: { } id } message
                    && (removed.LabelIds ?? []).Any(l => Excluded.Contains(l))
                    && !IsExcluded(message.LabelIds))
                {
                    wanted.Add(id);
                }
            }

            foreach (var gone in record.MessagesDeleted ?? [])
            {
                if (gone.Message?.Id is { } id)
                {
                    deleted.Add(id);
                }
            }
        }

        return [.. wanted.Where(id => !deleted.Contains(id)).Distinct(StringComparer.Ordinal)];
    }

    private static bool IsExcluded(IReadOnlyList<string>? labels) => labels is not null && labels.Any(l => Excluded.Contains(l));

    /// <summary>Fetches (raw, batched) the ids not handed on before; deleted ones are skipped. Returns the events and how many were known.</summary>
    private async Task<(List<EmailReceived> Events, int Skipped)> FetchNewAsync(
        SyncAccount account, IEnumerable<string> candidateIds, string source, CancellationToken cancellationToken)
    {
        var ids = candidateIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return ([], 0);
        }

        List<string> known;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
            known = await db.ProcessedMessages
                .Where(p => p.AccountId == account.Id && ids.Contains(p.MessageId))
                .Select(p => p.MessageId)
                .ToListAsync(cancellationToken);
        }

        var fetch = ids.Except(known, StringComparer.Ordinal).ToList();
        var events = new List<EmailReceived>(fetch.Count);
        if (fetch.Count == 0)
        {
            return (events, known.Count);
        }

        var results = await gmail.GetMessagesAsync(account.EmailAddress, fetch, MessageFormat.Raw, cancellationToken: cancellationToken);
        foreach (var result in results)
        {
            if (result.Succeeded)
            {
                if (!IsExcluded(result.Value!.LabelIds))
                {
                    events.Add(EmailReceivedFactory.Create(account.Id, result.Value!, source, options.Value.MaxBodyChars));
                }
            }
            else if (!result.IsNotFound)
            {
                // Retried by the client already; the page is not committed and the step is tried again later.
                throw result.Error!;
            }
        }

        return (events, known.Count);
    }

    private async Task<SyncAccount> StartResyncAsync(AccountLease lease, string reason, CancellationToken cancellationToken)
    {
        var account = await CommitAsync(lease, a =>
        {
            a.Phase = a.HistoryId is null ? SyncPhase.Initial : SyncPhase.Resync;
            a.PassHistoryId = null;
            a.PageToken = null;
            a.ResyncRequested = false;
            a.ResyncCount++;
            a.LastResyncAt = time.GetUtcNow();
            a.LastResyncReason = reason;
            return null;
        }, [], cancellationToken);
        metrics.ResyncStarted(reason);
        LogResync(account.Id, reason, account.ResyncCount);
        return account;
    }

    private async Task<SyncAccount> LoadAsync(Guid accountId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken)
            ?? throw new NotFoundException("Account", accountId.ToString());
    }

    /// <summary>
    /// One transaction: the lease fence, the checkpoint change, the processed ids and the events (outbox). Throws
    /// <see cref="LeaseLostException"/> when a newer lease holder has written since.
    /// </summary>
    private async Task<SyncAccount> CommitAsync(
        AccountLease lease, Func<SyncAccount, IntegrationEvent?> checkpoint, IReadOnlyList<EmailReceived> events, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var fenced = await db.Accounts
            .Where(a => a.Id == lease.AccountId && a.LeaseFence <= lease.Fence)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.LeaseFence, lease.Fence), cancellationToken);
        if (fenced == 0)
        {
            throw new LeaseLostException(lease.AccountId);
        }

        var account = await db.Accounts.SingleAsync(a => a.Id == lease.AccountId, cancellationToken);
        var now = time.GetUtcNow();
        var extra = checkpoint(account);
        account.UpdatedAt = now;
        foreach (var message in events)
        {
            db.ProcessedMessages.Add(new ProcessedMessage
            {
                AccountId = account.Id,
                MessageId = message.GmailMessageId,
                HistoryId = (long)message.HistoryId,
                ProcessedAt = now,
            });
            db.Outbox.Add(OutboxPublisher.ToOutbox(message, now));
        }

        if (extra is not null)
        {
            db.Outbox.Add(OutboxPublisher.ToOutbox(extra, now));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (events.Count > 0 || extra is not null)
        {
            outbox.Notify();
        }

        return account;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId}: {Kind} pass of the window since {WindowStart} started at history {HistoryId}")]
    private partial void LogPassStarted(Guid accountId, string kind, DateTimeOffset windowStart, ulong historyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId}: {Kind} pass done, {Done} handed on, {Skipped} already processed, cursor {HistoryId}")]
    private partial void LogPassCompleted(Guid accountId, string kind, int done, int skipped, long historyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId}: history from {HistoryId} has expired")]
    private partial void LogHistoryExpired(Guid accountId, ulong historyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId}: re-sync of the window ({Reason}), re-sync number {Count}")]
    private partial void LogResync(Guid accountId, string reason, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId}: Gmail watch stopped (paused or disconnected)")]
    private partial void LogWatchStopped(Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Account {AccountId}: Gmail refused the stored page token; listing the window again")]
    private partial void LogPageTokenRejected(Guid accountId);
}
