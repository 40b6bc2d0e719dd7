using GmailAutomation.Common.Errors;
using GmailAutomation.ResponseService.Data;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.ResponseService.Apis;

/// <summary>The replies written for the signed-in user's accounts, and their AI usage and cost per day.</summary>
public static class RepliesApi
{
    public static IEndpointRouteBuilder MapRepliesApi(this IEndpointRouteBuilder app)
    {
        var replies = app.MapGroup("/api/replies/accounts/{accountId:guid}").WithTags("Replies").RequireUser();
        replies.MapGet("/", ListReplies).WithName("ListReplies")
            .WithSummary("Replies written for the account, newest first, with the provider, model, tokens and cost of each.");
        replies.MapGet("/messages/{messageId}", GetReply).WithName("GetReply").WithSummary("The reply written for one message.");
        replies.MapGet("/usage", GetUsage).WithName("GetAiUsage")
            .WithSummary("AI calls, tokens and estimated cost per day (UTC) and provider, with today's spend against the daily cap.");
        return app;
    }

    public static async Task<Ok<ReplyPage>> ListReplies(
        Guid accountId, ICurrentUser user, ResponseDbContext db, CancellationToken cancellationToken, int limit = 50, long? before = null)
    {
        await OwnedAsync(accountId, user, db, cancellationToken);
        if (limit is < 1 or > 200)
        {
            throw new ValidationException("limit", "limit must be between 1 and 200.");
        }

        var query = db.Replies.AsNoTracking().Where(r => r.AccountId == accountId);
        if (before is { } cursor)
        {
            query = query.Where(r => r.Id < cursor);
        }

        var rows = await query.OrderByDescending(r => r.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = rows.Take(limit).Select(ReplyView.Of).ToList();
        return TypedResults.Ok(new ReplyPage(items, rows.Count > limit ? rows[limit - 1].Id : null));
    }

    public static async Task<Ok<ReplyView>> GetReply(
        Guid accountId, string messageId, ICurrentUser user, ResponseDbContext db, CancellationToken cancellationToken)
    {
        await OwnedAsync(accountId, user, db, cancellationToken);
        var reply = await db.Replies.AsNoTracking().SingleOrDefaultAsync(r => r.AccountId == accountId && r.GmailMessageId == messageId, cancellationToken)
            ?? throw new NotFoundException("Reply", messageId);
        return TypedResults.Ok(ReplyView.Of(reply));
    }

    public static async Task<Ok<UsageView>> GetUsage(
        Guid accountId, ICurrentUser user, ResponseDbContext db, TimeProvider time, CancellationToken cancellationToken, int days = 30)
    {
        var account = await OwnedAsync(accountId, user, db, cancellationToken);
        if (days is < 1 or > 366)
        {
            throw new ValidationException("days", "days must be between 1 and 366.");
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var from = today.AddDays(1 - days);
        var rows = await db.AiCalls.AsNoTracking()
            .Where(c => c.AccountId == accountId && c.Day >= from)
            .GroupBy(c => new { c.Day, c.Provider, c.Model })
            .Select(g => new UsageDay(
                g.Key.Day,
                g.Key.Provider,
                g.Key.Model,
                g.Count(),
                g.Count(c => c.Outcome != "ok"),
                g.Sum(c => c.PromptTokens),
                g.Sum(c => c.CompletionTokens),
                g.Sum(c => c.CostUsd)))
            .ToListAsync(cancellationToken);
        var offline = await db.Replies.AsNoTracking()
            .Where(r => r.AccountId == accountId && r.Provider == "template" && r.CreatedAt >= new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))
            .CountAsync(cancellationToken);
        var spentToday = rows.Where(r => r.Day == today).Sum(r => r.CostUsd);
        return TypedResults.Ok(new UsageView(
            accountId,
            [.. rows.OrderByDescending(r => r.Day).ThenBy(r => r.Provider).ThenBy(r => r.Model)],
            spentToday,
            account.DailyAiSpendCapUsd,
            spentToday >= account.DailyAiSpendCapUsd,
            offline));
    }

    private static async Task<ReplyAccount> OwnedAsync(Guid accountId, ICurrentUser user, ResponseDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId && a.UserId == userId, cancellationToken)
            ?? throw new NotFoundException("Account", accountId.ToString());
    }
}

/// <summary>A reply as the API shows it.</summary>
public sealed record ReplyView(
    string GmailMessageId,
    string ThreadId,
    string Category,
    string Language,
    string ReplyText,
    string Provider,
    string Model,
    int PromptTokens,
    int CompletionTokens,
    decimal CostUsd,
    string? FallbackReason,
    DateTimeOffset CreatedAt)
{
    public static ReplyView Of(GeneratedReply r) =>
        new(r.GmailMessageId, r.ThreadId, r.Category, r.Language, r.ReplyText, r.Provider, r.Model, r.PromptTokens, r.CompletionTokens, r.CostUsd, r.FallbackReason, r.CreatedAt);
}

/// <summary>One page of replies; pass <see cref="NextBefore"/> as <c>before</c> for the next.</summary>
public sealed record ReplyPage(IReadOnlyList<ReplyView> Items, long? NextBefore);

/// <summary>AI usage of one provider and model on one UTC day.</summary>
public sealed record UsageDay(DateOnly Day, string Provider, string Model, int Calls, int FailedCalls, int PromptTokens, int CompletionTokens, decimal CostUsd);

/// <summary>An account's AI usage per day, and today's spend against its cap.</summary>
public sealed record UsageView(Guid AccountId, IReadOnlyList<UsageDay> Days, decimal SpentTodayUsd, decimal DailyCapUsd, bool CapReached, int OfflineReplies);
