using GmailAutomation.Common.Errors;
using GmailAutomation.DraftService.Data;
using GmailAutomation.DraftService.Drafts;
using GmailAutomation.GmailClient;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.DraftService.Apis;

/// <summary>The reply drafts of the signed-in user's accounts, and regeneration of a draft's text.</summary>
public static class DraftsApi
{
    public static IEndpointRouteBuilder MapDraftsApi(this IEndpointRouteBuilder app)
    {
        var drafts = app.MapGroup("/api/drafts/accounts/{accountId:guid}").WithTags("Drafts").RequireUser();
        drafts.MapGet("/", ListDrafts).WithName("ListDrafts")
            .WithSummary("Reply drafts of one of the user's accounts, newest first, with status, provider and cost; `messageId` (repeatable) picks the drafts of those messages.");
        drafts.MapGet("/messages/{messageId}", GetDraft).WithName("GetDraft")
            .WithSummary("The reply draft of one message, with its status history.");
        drafts.MapPost("/messages/{messageId}/regenerate", RegenerateDraft).WithName("RegenerateDraft")
            .WithSummary("Asks for a new reply text; the draft's message is then replaced in Gmail (same draft id).");
        return app;
    }

    public static async Task<Ok<List<DraftView>>> ListDrafts(
        Guid accountId, string? status, int? limit, [FromQuery] string[]? messageId, ICurrentUser user, DraftDbContext db, CancellationToken cancellationToken)
    {
        await OwnedAccountAsync(accountId, user, db, cancellationToken);
        var query = db.Drafts.AsNoTracking().Where(d => d.AccountId == accountId);
        if (messageId is { Length: > 0 })
        {
            // A page of the web console's activity list asks for the drafts of its own messages at once.
            if (messageId.Length > 500)
            {
                throw new ValidationException("messageId", "Ask for at most 500 message ids at once.");
            }

            query = query.Where(d => messageId.Contains(d.GmailMessageId));
        }
        if (!string.IsNullOrEmpty(status))
        {
            var wanted = DraftView.ParseStatus(status) ?? throw new ValidationException("status", "Use one of pending, created, skipped, deleted-by-user, replaced.");
            query = query.Where(d => d.Status == wanted);
        }

        var take = Math.Clamp(limit ?? 100, 1, 500);
        var rows = await query.OrderByDescending(d => d.CreatedAt).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(DraftView.Of).ToList());
    }

    public static async Task<Ok<DraftDetailView>> GetDraft(
        Guid accountId, string messageId, ICurrentUser user, DraftDbContext db, CancellationToken cancellationToken)
    {
        await OwnedAccountAsync(accountId, user, db, cancellationToken);
        var record = await OwnedDraftAsync(accountId, messageId, db, tracked: false, cancellationToken);
        var history = await db.Audit.AsNoTracking()
            .Where(a => a.DraftRecordId == record.Id)
            .OrderBy(a => a.Id)
            .Select(a => new DraftAuditView(a.FromStatus, a.ToStatus, a.Detail, a.At))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new DraftDetailView(DraftView.Of(record), history.Select(h => h.ToView()).ToList()));
    }

    public static async Task<Accepted<DraftView>> RegenerateDraft(
        Guid accountId,
        string messageId,
        ICurrentUser user,
        DraftDbContext db,
        GmailApiClient gmail,
        DraftWriter writer,
        OutboxPublisher outbox,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var account = await OwnedAccountAsync(accountId, user, db, cancellationToken);
        var record = await OwnedDraftAsync(accountId, messageId, db, tracked: true, cancellationToken);
        if (record.Status is not (DraftStatus.Created or DraftStatus.Replaced) || record.GmailDraftId is null)
        {
            throw new ValidationException("messageId", $"The message has no draft to regenerate (its status is {DraftView.StatusName(record.Status)}).");
        }

        if (!account.Connected)
        {
            throw new ValidationException("accountId", "The account is disconnected; its drafts cannot be changed.");
        }

        try
        {
            await gmail.GetDraftAsync(account.EmailAddress, record.GmailDraftId, MessageFormat.Minimal, cancellationToken);
        }
        catch (GmailNotFoundException)
        {
            await writer.MarkDeletedAsync(record, null, cancellationToken);
            throw new ValidationException("messageId", "The draft was deleted in Gmail; a draft the user threw away is not written again.");
        }

        var now = time.GetUtcNow();
        var request = new DraftRegenerationRequested
        {
            AccountId = accountId,
            GmailMessageId = record.GmailMessageId,
            ThreadId = record.ThreadId,
            DraftId = record.GmailDraftId,
            RequestId = Guid.NewGuid(),
            PreviousProvider = record.Provider,
        };
        record.RegenerationRequestId = request.RequestId;
        record.RegenerationRequestedAt = now;
        record.UpdatedAt = now;
        db.Audit.Add(new DraftAuditEntry
        {
            DraftRecordId = record.Id,
            AccountId = record.AccountId,
            GmailMessageId = record.GmailMessageId,
            FromStatus = record.Status,
            ToStatus = record.Status,
            Detail = "regeneration requested by the user",
            CorrelationId = request.CorrelationId,
            At = now,
        });
        db.Outbox.Add(OutboxPublisher.ToOutbox(request, now));
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
        return TypedResults.Accepted($"/api/drafts/accounts/{accountId}/messages/{Uri.EscapeDataString(messageId)}", DraftView.Of(record));
    }

    private static async Task<DraftAccount> OwnedAccountAsync(Guid accountId, ICurrentUser user, DraftDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId && a.UserId == userId, cancellationToken)
            ?? throw new NotFoundException("Account", accountId.ToString());
    }

    private static async Task<DraftRecord> OwnedDraftAsync(Guid accountId, string messageId, DraftDbContext db, bool tracked, CancellationToken cancellationToken)
    {
        var drafts = tracked ? db.Drafts : db.Drafts.AsNoTracking();
        return await drafts.SingleOrDefaultAsync(d => d.AccountId == accountId && d.GmailMessageId == messageId, cancellationToken)
            ?? throw new NotFoundException("Draft", messageId);
    }
}

/// <summary>What the API shows for the reply draft of one message.</summary>
public sealed record DraftView(
    Guid AccountId,
    string GmailMessageId,
    string ThreadId,
    string Status,
    string? SkipReason,
    string? DraftId,
    string Provider,
    string Model,
    int PromptTokens,
    int CompletionTokens,
    decimal CostUsd,
    int Regenerations,
    bool RegenerationPending,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static DraftView Of(DraftRecord d) => new(
        d.AccountId,
        d.GmailMessageId,
        d.ThreadId,
        StatusName(d.Status),
        d.SkipReason,
        d.GmailDraftId,
        d.Provider,
        d.Model,
        d.PromptTokens,
        d.CompletionTokens,
        d.CostUsd,
        d.Regenerations,
        d.RegenerationRequestId is not null,
        d.CreatedAt,
        d.UpdatedAt);

    public static string StatusName(DraftStatus status) => status switch
    {
        DraftStatus.Pending => "pending",
        DraftStatus.Created => "created",
        DraftStatus.Skipped => "skipped",
        DraftStatus.DeletedByUser => "deleted-by-user",
        DraftStatus.Replaced => "replaced",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static DraftStatus? ParseStatus(string name) =>
        Enum.GetValues<DraftStatus>().Cast<DraftStatus?>().FirstOrDefault(s => StatusName(s!.Value) == name.Trim().ToLowerInvariant());
}

/// <summary>One message's draft with its status history.</summary>
public sealed record DraftDetailView(DraftView Draft, IReadOnlyList<DraftHistoryView> History);

public sealed record DraftHistoryView(string? From, string To, string? Detail, DateTimeOffset At);

internal sealed record DraftAuditView(DraftStatus? From, DraftStatus To, string? Detail, DateTimeOffset At)
{
    public DraftHistoryView ToView() => new(From is { } f ? DraftView.StatusName(f) : null, DraftView.StatusName(To), Detail, At);
}
