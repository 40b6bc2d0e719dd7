using GmailAutomation.Common.Errors;
using GmailAutomation.DraftService.Accounts;
using GmailAutomation.DraftService.Data;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace GmailAutomation.DraftService.Drafts;

/// <summary>
/// Turns a <c>ReplyGenerated</c> into exactly one Gmail draft in the message's thread.
/// <list type="number">
/// <item>A row per message (unique on account + message) is written <em>before</em> the Gmail call, as
/// <see cref="DraftStatus.Pending"/> and claimed for <see cref="DraftServiceOptions.ClaimTimeout"/>; a concurrent
/// delivery fails on the key or on the claim and is retried by the bus.</item>
/// <item>The thread is read once (format metadata): a draft of ours for this message found there (header
/// <see cref="ReplyBuilder.SourceHeader"/>) was written before a crash and is adopted instead of writing a second one;
/// a SENT message after the original means the user answered already (skipped).</item>
/// <item>The reply is built and saved with <c>drafts.create</c> and the thread id; the row becomes
/// <see cref="DraftStatus.Created"/> and <c>DraftCreated</c> goes to the outbox in the same transaction.</item>
/// </list>
/// A row that is created, skipped or deleted by the user is never written again: a later reply for the same message
/// only replaces the draft's text when the user asked for a regeneration.
/// </summary>
public sealed partial class DraftWriter(
    DraftDbContext db,
    AccountRegistry accounts,
    GmailApiClient gmail,
    OutboxPublisher outbox,
    DraftServiceMetrics metrics,
    IOptions<DraftServiceOptions> options,
    TimeProvider time,
    ILogger<DraftWriter> logger)
{
    private const string DraftLabel = "DRAFT";
    private const string SentLabel = "SENT";

    public async Task HandleAsync(ReplyGenerated reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var account = await accounts.GetAsync(reply.AccountId, cancellationToken);
        var record = await db.Drafts.SingleOrDefaultAsync(
            d => d.AccountId == reply.AccountId && d.GmailMessageId == reply.GmailMessageId, cancellationToken);

        if (record is null)
        {
            var now = time.GetUtcNow();
            record = new DraftRecord
            {
                Id = Guid.NewGuid(),
                AccountId = reply.AccountId,
                GmailMessageId = reply.GmailMessageId,
                ThreadId = reply.ThreadId,
                Status = DraftStatus.Pending,
                ClaimedUntil = now + options.Value.ClaimTimeout,
                CreatedAt = now,
                UpdatedAt = now,
            };
            ApplyReply(record, reply, addCost: true);
            db.Drafts.Add(record);
            AddAudit(record, null, DraftStatus.Pending, "reply received from " + reply.Provider, reply.CorrelationId);

            // A concurrent delivery for the same message fails here on the unique key and is retried by the bus.
            await db.SaveChangesAsync(cancellationToken);
            await WriteDraftAsync(record, account, reply, cancellationToken);
            return;
        }

        switch (record.Status)
        {
            case DraftStatus.Pending:
                // A delivery before this one stopped between its first write and its last (crash, Gmail or database
                // failure): the draft may exist in Gmail already, which the thread check finds.
                await ClaimAsync(record, cancellationToken);
                metrics.Recovered();
                await WriteDraftAsync(record, account, reply, cancellationToken);
                return;

            case DraftStatus.Created or DraftStatus.Replaced when record.ReplyEventId == reply.Id:
                LogDuplicate(reply.GmailMessageId, record.Status);
                metrics.Outcome("duplicate");
                return;

            case DraftStatus.Created or DraftStatus.Replaced when record.RegenerationRequestId is not null:
                await ClaimAsync(record, cancellationToken);
                await ReplaceDraftAsync(record, account, reply, cancellationToken);
                return;

            default:
                // Exactly one draft per message: a second reply for it, or one for a message that was skipped or whose
                // draft the user threw away, writes nothing.
                LogDuplicate(reply.GmailMessageId, record.Status);
                metrics.Outcome("duplicate");
                return;
        }
    }

    private async Task WriteDraftAsync(DraftRecord record, DraftAccount account, ReplyGenerated reply, CancellationToken cancellationToken)
    {
        try
        {
            if (SkipReasonOf(account) is { } reason)
            {
                await FinishSkippedAsync(record, reason, reply, cancellationToken);
                return;
            }

            GmailThread thread;
            try
            {
                thread = await gmail.GetThreadAsync(account.EmailAddress, reply.ThreadId, MessageFormat.Metadata, OriginalMessage.HeaderNames, cancellationToken);
            }
            catch (GmailNotFoundException)
            {
                await FinishSkippedAsync(record, SkipReasons.OriginalMissing, reply, cancellationToken);
                return;
            }

            var messages = thread.Messages ?? [];
            var originalIndex = messages.ToList().FindIndex(m => m.Id == reply.GmailMessageId);
            var ours = messages.FirstOrDefault(m => HasLabel(m, DraftLabel) && m.Header(ReplyBuilder.SourceHeader)?.Trim() == reply.GmailMessageId);
            if (ours?.Id is { } oursMessageId && await FindDraftIdAsync(account.EmailAddress, oursMessageId, cancellationToken) is { } existingDraftId)
            {
                LogAdopted(reply.GmailMessageId);
                await FinishCreatedAsync(record, existingDraftId, oursMessageId, OriginalMessage.MessageIdOf(ours.Header("Message-ID")), ours.ThreadId, reply, "found in Gmail after an interrupted attempt", cancellationToken);
                return;
            }

            if (originalIndex < 0)
            {
                await FinishSkippedAsync(record, SkipReasons.OriginalMissing, reply, cancellationToken);
                return;
            }

            if (messages.Skip(originalIndex + 1).Any(m => HasLabel(m, SentLabel) && !HasLabel(m, DraftLabel)))
            {
                await FinishSkippedAsync(record, SkipReasons.UserReplied, reply, cancellationToken);
                return;
            }

            var mime = await BuildAsync(account, messages[originalIndex], reply.ReplyText, cancellationToken);
            if (mime.To.Count == 0)
            {
                await FinishSkippedAsync(record, SkipReasons.NoRecipient, reply, cancellationToken);
                return;
            }

            var draft = await gmail.CreateDraftAsync(account.EmailAddress, ReplyBuilder.ToBytes(mime), reply.ThreadId, cancellationToken);
            await FinishCreatedAsync(
                record,
                draft.Id ?? throw new ExternalServiceException(GmailApiClient.ServiceName, "drafts.create answered without a draft id"),
                draft.Message?.Id ?? string.Empty,
                mime.MessageId,
                draft.Message?.ThreadId,
                reply,
                null,
                cancellationToken);
        }
        catch
        {
            await ReleaseAsync(record.Id);
            throw;
        }
    }

    /// <summary>A regenerated text replaces the draft's message (drafts.update keeps the draft id); a draft the user deleted is not written again.</summary>
    private async Task ReplaceDraftAsync(DraftRecord record, DraftAccount account, ReplyGenerated reply, CancellationToken cancellationToken)
    {
        try
        {
            var from = record.Status;
            if (!account.Connected)
            {
                record.RegenerationRequestId = null;
                record.RegenerationRequestedAt = null;
                record.ClaimedUntil = null;
                record.UpdatedAt = time.GetUtcNow();
                AddAudit(record, from, from, "regeneration dropped: " + SkipReasons.AccountDisconnected, reply.CorrelationId);
                await db.SaveChangesAsync(cancellationToken);
                return;
            }

            try
            {
                await gmail.GetDraftAsync(account.EmailAddress, record.GmailDraftId!, MessageFormat.Minimal, cancellationToken);
            }
            catch (GmailNotFoundException)
            {
                await MarkDeletedAsync(record, reply.CorrelationId, cancellationToken);
                return;
            }

            var original = await gmail.GetMessageAsync(account.EmailAddress, record.GmailMessageId, MessageFormat.Metadata, OriginalMessage.HeaderNames, cancellationToken);
            var mime = await BuildAsync(account, original, reply.ReplyText, cancellationToken);
            var draft = await gmail.UpdateDraftAsync(account.EmailAddress, record.GmailDraftId!, ReplyBuilder.ToBytes(mime), record.ThreadId, cancellationToken);

            var now = time.GetUtcNow();
            record.Status = DraftStatus.Replaced;
            record.GmailDraftMessageId = draft.Message?.Id ?? record.GmailDraftMessageId;
            record.RfcMessageId = mime.MessageId;
            record.Regenerations++;
            record.RegenerationRequestId = null;
            record.RegenerationRequestedAt = null;
            record.ClaimedUntil = null;
            record.UpdatedAt = now;
            ApplyReply(record, reply, addCost: true);
            AddAudit(record, from, DraftStatus.Replaced, "text regenerated by " + reply.Provider, reply.CorrelationId);
            await db.SaveChangesAsync(cancellationToken);
            metrics.Outcome("replaced");
        }
        catch
        {
            await ReleaseAsync(record.Id);
            throw;
        }
    }

    /// <summary>Marks a draft that is no longer in Gmail as thrown away by the user.</summary>
    public async Task MarkDeletedAsync(DraftRecord record, string? correlationId, CancellationToken cancellationToken)
    {
        var from = record.Status;
        record.Status = DraftStatus.DeletedByUser;
        record.RegenerationRequestId = null;
        record.RegenerationRequestedAt = null;
        record.ClaimedUntil = null;
        record.UpdatedAt = time.GetUtcNow();
        AddAudit(record, from, DraftStatus.DeletedByUser, "the draft is no longer in Gmail", correlationId);
        await db.SaveChangesAsync(cancellationToken);
        metrics.Outcome("deleted-by-user");
    }

    private async Task<MimeMessage> BuildAsync(DraftAccount account, GmailMessage original, string replyText, CancellationToken cancellationToken)
    {
        var isHtml = OriginalMessage.HasHtmlBody(original.Payload);
        if (isHtml is null)
        {
            // A multipart whose parts format metadata does not show: the full message tells.
            var full = await gmail.GetMessageAsync(account.EmailAddress, original.Id!, MessageFormat.Full, null, cancellationToken);
            isHtml = OriginalMessage.HasHtmlBody(full.Payload) ?? false;
        }

        return ReplyBuilder.Build(new ReplyRequest
        {
            Original = OriginalMessage.FromGmail(original, isHtml.Value),
            ReplyText = replyText,
            OwnAddress = account.EmailAddress,
            ReplyAll = account.ReplyMode == ReplyModes.ReplyAll,
            Date = time.GetUtcNow(),
        });
    }

    private async Task<string?> FindDraftIdAsync(string account, string messageId, CancellationToken cancellationToken)
    {
        var query = new DraftListQuery { MaxResults = options.Value.DraftListPageSize };
        while (true)
        {
            var page = await gmail.ListDraftsAsync(account, query, cancellationToken);
            if (page.Drafts?.FirstOrDefault(d => d.Message?.Id == messageId)?.Id is { } found)
            {
                return found;
            }

            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                return null;
            }

            query = query with { PageToken = page.NextPageToken };
        }
    }

    private async Task FinishCreatedAsync(
        DraftRecord record,
        string draftId,
        string draftMessageId,
        string? rfcMessageId,
        string? threadId,
        ReplyGenerated reply,
        string? note,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var threaded = threadId is null || threadId == record.ThreadId;
        if (!threaded)
        {
            LogNotThreaded(record.GmailMessageId);
        }

        record.Status = DraftStatus.Created;
        record.GmailDraftId = draftId;
        record.GmailDraftMessageId = draftMessageId;
        record.RfcMessageId = rfcMessageId;
        record.ClaimedUntil = null;
        record.CompletedAt = now;
        record.UpdatedAt = now;
        ApplyReply(record, reply, addCost: false);
        AddAudit(record, DraftStatus.Pending, DraftStatus.Created, note ?? (threaded ? "draft saved in the thread" : "Gmail did not thread the draft"), reply.CorrelationId);
        db.Outbox.Add(OutboxPublisher.ToOutbox(
            new DraftCreated
            {
                AccountId = record.AccountId,
                GmailMessageId = record.GmailMessageId,
                ThreadId = threadId ?? record.ThreadId,
                DraftId = draftId,
                DraftMessageId = draftMessageId,
                CorrelationId = reply.CorrelationId,
            },
            now));
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        metrics.Outcome("created");
        metrics.Latency(now - reply.CreatedAt);
    }

    private async Task FinishSkippedAsync(DraftRecord record, string reason, ReplyGenerated reply, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        record.Status = DraftStatus.Skipped;
        record.SkipReason = reason;
        record.ClaimedUntil = null;
        record.CompletedAt = now;
        record.UpdatedAt = now;
        AddAudit(record, DraftStatus.Pending, DraftStatus.Skipped, reason, reply.CorrelationId);
        await db.SaveChangesAsync(cancellationToken);
        LogSkipped(record.GmailMessageId, reason);
        metrics.Outcome("skipped:" + reason);
    }

    /// <summary>Takes the row for this delivery, unless another delivery holds it (then this one is retried later).</summary>
    private async Task ClaimAsync(DraftRecord record, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var until = now + options.Value.ClaimTimeout;
        var claimed = await db.Drafts
            .Where(d => d.Id == record.Id && (d.ClaimedUntil == null || d.ClaimedUntil < now))
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.ClaimedUntil, until), cancellationToken);
        if (claimed == 0)
        {
            throw new DraftBusyException(record.AccountId, record.GmailMessageId);
        }

        record.ClaimedUntil = until;
    }

    /// <summary>Gives the row up after a failure so the bus's next delivery need not wait for the claim to expire.</summary>
    private async Task ReleaseAsync(Guid recordId)
    {
        try
        {
            db.ChangeTracker.Clear();
            await db.Drafts.Where(d => d.Id == recordId).ExecuteUpdateAsync(set => set.SetProperty(d => d.ClaimedUntil, (DateTimeOffset?)null));
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or Npgsql.NpgsqlException or TimeoutException)
        {
            // The claim expires on its own.
            LogReleaseFailed(ex);
        }
    }

    private static string? SkipReasonOf(DraftAccount account) =>
        !account.Connected ? SkipReasons.AccountDisconnected
        : account.Paused ? SkipReasons.Paused
        : !account.DraftRepliesEnabled ? SkipReasons.DraftsDisabled
        : null;

    private static bool HasLabel(GmailMessage message, string label) => message.LabelIds?.Contains(label) == true;

    private static void ApplyReply(DraftRecord record, ReplyGenerated reply, bool addCost)
    {
        record.ReplyEventId = reply.Id;
        record.ReplyGeneratedAt = reply.CreatedAt;
        record.Provider = reply.Provider;
        record.Model = reply.Model;
        record.PromptTokens = reply.PromptTokens;
        record.CompletionTokens = reply.CompletionTokens;
        if (addCost)
        {
            record.CostUsd += reply.CostUsd;
        }
    }

    private void AddAudit(DraftRecord record, DraftStatus? from, DraftStatus to, string? detail, string? correlationId) =>
        db.Audit.Add(new DraftAuditEntry
        {
            DraftRecordId = record.Id,
            AccountId = record.AccountId,
            GmailMessageId = record.GmailMessageId,
            FromStatus = from,
            ToStatus = to,
            Detail = detail is { Length: > 500 } ? detail[..500] : detail,
            CorrelationId = correlationId,
            At = time.GetUtcNow(),
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply for message {MessageId} not drafted: {Reason}")]
    private partial void LogSkipped(string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply for message {MessageId} ignored: its draft is {Status}")]
    private partial void LogDuplicate(string messageId, DraftStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The draft for message {MessageId} was written before an interruption; adopting it instead of writing another")]
    private partial void LogAdopted(string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gmail did not put the draft for message {MessageId} in the message's thread")]
    private partial void LogNotThreaded(string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing a draft claim failed; it expires on its own")]
    private partial void LogReleaseFailed(Exception exception);
}

/// <summary>Another delivery is writing the draft of this message right now; this one is retried later.</summary>
public sealed class DraftBusyException(Guid accountId, string messageId)
    : Exception($"Another delivery is writing the draft for message '{messageId}' of account {accountId}; this delivery will be retried.");
