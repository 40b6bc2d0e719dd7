using System.Diagnostics;
using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Data;
using GmailAutomation.ClassificationService.Labels;
using GmailAutomation.ClassificationService.Pipeline;
using GmailAutomation.Common.Errors;
using GmailAutomation.EventBus.Abstractions;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.MailParsing;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ClassificationService.Consumers;

/// <summary>
/// Classifies a received message, labels it in Gmail and announces <see cref="EmailClassified"/> — once per
/// (account, message): the processed record is written in the same transaction as the history row and the
/// outbox event, under a per-message advisory lock, and the Gmail write only adds labels the message lacks.
/// A redelivered event finds the record and changes nothing.
/// </summary>
public sealed partial class EmailReceivedHandler(
    ClassificationDbContext db,
    AccountDirectory directory,
    ClassificationEngine engine,
    MessageLabeler labeler,
    OutboxPublisher outbox,
    ClassificationServiceMetrics metrics,
    TimeProvider time,
    ILogger<EmailReceivedHandler> logger) : IIntegrationEventHandler<EmailReceived>
{
    public async Task Handle(EmailReceived @event, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (string.IsNullOrWhiteSpace(@event.GmailMessageId))
        {
            // Without a message id there is nothing to label or key on; the bus dead-letters it with this reason.
            throw new ValidationException("gmailMessageId", "EmailReceived carries no Gmail message id.");
        }

        if (await IsProcessedAsync(@event, cancellationToken))
        {
            metrics.Duplicate();
            return;
        }

        var account = await directory.FindAsync(@event.AccountId, cancellationToken)
            ?? throw new NotFoundException("Account", @event.AccountId.ToString());

        var features = Features(@event);
        var (result, _) = await engine.ClassifyAsync(features, account.UserId, account.Id, account.EmailAddress, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var lockKey = $"{@event.AccountId:N}/{@event.GmailMessageId}";
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({lockKey}, 0))", cancellationToken);
        if (await IsProcessedAsync(@event, cancellationToken))
        {
            metrics.Duplicate();
            return;
        }

        var (change, labelIds) = await labeler.ApplyAsync(account.Id, account.EmailAddress, @event.GmailMessageId, result.Labels, [], cancellationToken);
        var notes = result.Notes.ToList();
        if (!change.MessageExists)
        {
            notes.Add("the message is no longer in Gmail; no label was applied");
            labelIds = [];
        }

        var now = time.GetUtcNow();
        db.ProcessedMessages.Add(new ProcessedMessage
        {
            AccountId = account.Id,
            GmailMessageId = @event.GmailMessageId,
            UserId = account.UserId,
            ThreadId = @event.ThreadId ?? string.Empty,
            EventId = @event.Id,
            InternalDate = @event.InternalDate,
            Features = StoredFeatures.Of(features).ToJson(),
            Category = result.Category,
            ProcessedAt = now,
        });
        db.History.Add(ToRecord(account.Id, @event.GmailMessageId, result, change, notes, now));
        db.Outbox.Add(OutboxPublisher.ToOutbox(new EmailClassified
        {
            AccountId = account.Id,
            GmailMessageId = @event.GmailMessageId,
            ThreadId = @event.ThreadId ?? string.Empty,
            Category = result.Category,
            Confidence = result.Confidence,
            NeedsReply = result.NeedsReply,
            NeedsReplyReason = result.NeedsReplyReason,
            DecidedBy = Decision(result),
            LabelsApplied = labelIds,
        }, now));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();

        metrics.LabelsApplied(change.Added.Count);
        metrics.Classified(result.Category, result.DecidedBy, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        LogClassified(result.Category, result.DecidedBy, change.Added.Count);
    }

    public static ClassificationDecision Decision(ClassificationResult result) => result.DecidedBy switch
    {
        DecisionKinds.Rule or DecisionKinds.BuiltIn => ClassificationDecision.Rule(result.RuleId ?? result.DecidedBy),
        _ when result.ModelVersion is { } version => ClassificationDecision.Model(version),
        _ => new ClassificationDecision { Kind = DecisionKinds.None },
    };

    public static ClassificationRecord ToRecord(
        Guid accountId, string messageId, ClassificationResult result, LabelChange change, IReadOnlyList<string> notes, DateTimeOffset now) => new()
    {
        AccountId = accountId,
        GmailMessageId = messageId,
        Source = ClassificationSources.Event,
        Category = result.Category,
        Confidence = result.Confidence,
        NeedsReply = result.NeedsReply,
        NeedsReplyReason = Cut(result.NeedsReplyReason, 500),
        DecidedBy = result.DecidedBy,
        RuleId = result.RuleId,
        ModelVersion = result.ModelVersion,
        ModelCategory = result.ModelCategory,
        ModelConfidence = result.ModelCategory is null ? null : result.Confidence,
        Labels = [.. result.Labels],
        LabelIdsApplied = [.. change.Added],
        LabelIdsRemoved = [.. change.Removed],
        Notes = [.. notes.Select(n => Cut(n, 500))],
        ClassifiedAt = now,
    };

    /// <summary>The event's features; an event too broken to read still yields the subject-less, body-less minimum.</summary>
    private MessageFeatures Features(EmailReceived @event)
    {
        try
        {
            return EventFeatures.From(@event);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnreadableEvent(ex.GetType().Name);
            return new MessageFeatures { MalformedParts = [MalformedKinds.MimeStructure] };
        }
    }

    private Task<bool> IsProcessedAsync(EmailReceived @event, CancellationToken cancellationToken) =>
        db.ProcessedMessages.AnyAsync(p => p.AccountId == @event.AccountId && p.GmailMessageId == @event.GmailMessageId, cancellationToken);

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..(max - 3)] + "...";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message classified as {Category} by {DecidedBy}; {Added} labels added")]
    private partial void LogClassified(string category, string decidedBy, int added);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An EmailReceived event could not be read as message features ({ExceptionType}); classified from nothing")]
    private partial void LogUnreadableEvent(string exceptionType);
}
