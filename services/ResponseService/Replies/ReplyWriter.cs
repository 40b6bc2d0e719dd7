using System.Diagnostics;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ResponseService.Accounts;
using GmailAutomation.ResponseService.Ai;
using GmailAutomation.ResponseService.Data;
using GmailAutomation.ResponseService.Outbox;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GmailAutomation.ResponseService.Replies;

/// <summary>
/// Turns a classified message that needs a reply into one stored reply and one <see cref="ReplyGenerated"/> in the
/// outbox, saved in one transaction. Exactly once per (account, message): a stored reply ends a redelivery before any
/// Gmail or AI call, and the unique key ends a concurrent duplicate at the insert.
/// </summary>
public sealed partial class ReplyWriter(
    ResponseDbContext db,
    AccountStore accounts,
    MailContextReader mail,
    ReplyGenerator generator,
    OutboxPublisher outbox,
    ResponseServiceMetrics metrics,
    TimeProvider time,
    ILogger<ReplyWriter> logger)
{
    /// <summary>What happened to one classified message.</summary>
    public enum Result
    {
        Written,
        AlreadyWritten,
        NotNeeded,
        NotWanted,
        MessageGone,
    }

    public async Task<Result> WriteAsync(EmailClassified classified, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        if (!classified.NeedsReply)
        {
            metrics.Skipped("not-needed");
            return Result.NotNeeded;
        }

        if (await ExistsAsync(classified, cancellationToken))
        {
            metrics.Skipped("already-written");
            return Result.AlreadyWritten;
        }

        var account = await accounts.FindAsync(classified.AccountId, cancellationToken)
            ?? throw new InvalidOperationException($"Account {classified.AccountId} is not known yet (no AccountConnected and no auth-service answer); the event is retried.");
        if (!account.RepliesTo(classified.Category))
        {
            var reason = !account.Connected ? "disconnected" : account.Paused ? "paused" : !account.DraftRepliesEnabled ? "disabled" : "category";
            metrics.Skipped(reason);
            LogNotWanted(classified.AccountId, classified.GmailMessageId, reason);
            return Result.NotWanted;
        }

        var context = await mail.ReadAsync(account, classified.GmailMessageId, classified.ThreadId, classified.Category, cancellationToken);
        if (context is null)
        {
            metrics.Skipped("message-gone");
            LogMessageGone(classified.AccountId, classified.GmailMessageId);
            return Result.MessageGone;
        }

        var text = await generator.GenerateAsync(context, account, cancellationToken);
        var generated = new ReplyGenerated
        {
            AccountId = classified.AccountId,
            GmailMessageId = classified.GmailMessageId,
            ThreadId = context.ThreadId,
            ReplyText = text.Text,
            Provider = text.Provider,
            Model = text.Model,
            PromptTokens = text.PromptTokens,
            CompletionTokens = text.CompletionTokens,
            CostUsd = text.CostUsd,
            CorrelationId = classified.CorrelationId,
        };

        var now = time.GetUtcNow();
        db.ChangeTracker.Clear();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Replies.Add(new GeneratedReply
            {
                AccountId = classified.AccountId,
                GmailMessageId = classified.GmailMessageId,
                ThreadId = context.ThreadId,
                Category = classified.Category,
                Language = text.Provider == AiProviderNames.Template ? TemplateReplies.LanguageFor(context.ReplyLanguage) : context.ReplyLanguage,
                ReplyText = text.Text,
                Provider = text.Provider,
                Model = text.Model,
                PromptTokens = text.PromptTokens,
                CompletionTokens = text.CompletionTokens,
                CostUsd = text.CostUsd,
                FallbackReason = text.FallbackReason is { Length: > 500 } reason ? reason[..500] : text.FallbackReason,
                EventId = generated.Id,
                CorrelationId = classified.CorrelationId,
                CreatedAt = now,
            });
            db.Outbox.Add(OutboxPublisher.ToOutbox(generated, now));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // Another delivery of the same message won the race; its reply and event stand.
                metrics.Skipped("already-written");
                return Result.AlreadyWritten;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        outbox.Notify();
        metrics.Replied(text.Provider, started.Elapsed);
        LogWritten(classified.AccountId, classified.GmailMessageId, text.Provider, text.Model, text.FallbackReason ?? "none");
        return Result.Written;
    }

    private Task<bool> ExistsAsync(EmailClassified classified, CancellationToken cancellationToken) =>
        db.Replies.AnyAsync(r => r.AccountId == classified.AccountId && r.GmailMessageId == classified.GmailMessageId, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply for {AccountId}/{MessageId} written by {Provider} ({Model}); fallbacks: {Fallback}")]
    private partial void LogWritten(Guid accountId, string messageId, string provider, string model, string fallback);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No reply for {AccountId}/{MessageId}: {Reason}")]
    private partial void LogNotWanted(Guid accountId, string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "No reply for {AccountId}/{MessageId}: the message no longer exists in Gmail")]
    private partial void LogMessageGone(Guid accountId, string messageId);
}

/// <summary>Consumes <see cref="EmailClassified"/>: writes the reply when the message needs one and the account wants it.</summary>
public sealed class EmailClassifiedHandler(ReplyWriter writer) : EventBus.Abstractions.IIntegrationEventHandler<EmailClassified>
{
    public Task Handle(EmailClassified @event, CancellationToken cancellationToken) => writer.WriteAsync(@event, cancellationToken);
}
