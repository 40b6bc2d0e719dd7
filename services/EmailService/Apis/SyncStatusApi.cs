using GmailAutomation.Common.Errors;
using GmailAutomation.EmailService.Data;
using GmailAutomation.EmailService.Sync;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GmailAutomation.EmailService.Apis;

/// <summary>Sync status of the signed-in user's accounts, and re-sync on request.</summary>
public static class SyncStatusApi
{
    public static IEndpointRouteBuilder MapSyncStatusApi(this IEndpointRouteBuilder app)
    {
        var sync = app.MapGroup("/api/sync/accounts").WithTags("Sync").RequireUser();
        sync.MapGet("/", ListStatuses).WithName("ListSyncStatuses").WithSummary("Sync status of each of the user's accounts.");
        sync.MapGet("/{accountId:guid}", GetStatus).WithName("GetSyncStatus").WithSummary("Sync status of one account.");
        sync.MapGet("/{accountId:guid}/quota", GetQuotaHistory).WithName("GetQuotaHistory")
            .WithSummary("Gmail quota units the account used per minute over the last `minutes` (1 to 1440, default 60).");
        sync.MapPost("/{accountId:guid}/resync", RequestResync).WithName("RequestResync")
            .WithSummary("Reads the account's window again; messages handed on before are skipped.");
        return app;
    }

    public static async Task<Ok<List<SyncStatusView>>> ListStatuses(
        ICurrentUser user, EmailDbContext db, GmailUsage usage, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        var accounts = await db.Accounts.AsNoTracking().Where(a => a.UserId == userId).OrderBy(a => a.EmailAddress).ToListAsync(cancellationToken);
        var views = new List<SyncStatusView>(accounts.Count);
        foreach (var account in accounts)
        {
            views.Add(await SyncStatusView.OfAsync(account, usage, time));
        }

        return TypedResults.Ok(views);
    }

    public static async Task<Ok<SyncStatusView>> GetStatus(
        Guid accountId, ICurrentUser user, EmailDbContext db, GmailUsage usage, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await SyncStatusView.OfAsync(await OwnedAsync(accountId, user, db, cancellationToken), usage, time));

    public static async Task<Ok<QuotaHistoryView>> GetQuotaHistory(
        Guid accountId, ICurrentUser user, EmailDbContext db, GmailUsage usage, CancellationToken cancellationToken, int minutes = 60)
    {
        if (minutes is < 1 or > 1440)
        {
            throw new ValidationException("minutes", "minutes must be between 1 and 1440 (a day).");
        }

        var account = await OwnedAsync(accountId, user, db, cancellationToken);
        var points = await usage.ReadHistoryAsync(account.EmailAddress, minutes);
        return TypedResults.Ok(new QuotaHistoryView(accountId, [.. points.Select(p => new QuotaPoint(p.Minute, p.Units))]));
    }

    public static async Task<Accepted<SyncStatusView>> RequestResync(
        Guid accountId, ICurrentUser user, EmailDbContext db, AccountSignals signals, GmailUsage usage, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = await OwnedAsync(accountId, user, db, cancellationToken);
        if (!account.ShouldSync)
        {
            throw new ValidationException("accountId", "The account is paused, disconnected or needs to be reconnected; it is not synced.");
        }

        await db.Accounts.Where(a => a.Id == accountId).ExecuteUpdateAsync(set => set.SetProperty(a => a.ResyncRequested, true), cancellationToken);
        await signals.WakeAsync(accountId);
        account.ResyncRequested = true;
        return TypedResults.Accepted($"/api/sync/accounts/{accountId}", await SyncStatusView.OfAsync(account, usage, time));
    }

    private static async Task<SyncAccount> OwnedAsync(Guid accountId, ICurrentUser user, EmailDbContext db, CancellationToken cancellationToken)
    {
        var userId = user.UserId;
        return await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId && a.UserId == userId, cancellationToken)
            ?? throw new NotFoundException("Account", accountId.ToString());
    }
}

/// <summary>What the status API shows for an account.</summary>
public sealed record SyncStatusView(
    Guid AccountId,
    string EmailAddress,
    string State,
    string Phase,
    int Done,
    int Estimated,
    int Skipped,
    ulong? HistoryId,
    double? LagSeconds,
    DateTimeOffset? LastSyncAt,
    DateTimeOffset? WatchExpiresAt,
    long QuotaUnitsUsed,
    long RateLimitedCount,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int ResyncCount,
    DateTimeOffset? LastResyncAt,
    string? LastResyncReason,
    bool ResyncRequested,
    DateTimeOffset? InitialCompletedAt)
{
    public static async Task<SyncStatusView> OfAsync(SyncAccount a, GmailUsage usage, TimeProvider time)
    {
        var (units, rateLimited) = await usage.ReadAsync(a.EmailAddress);
        var state = !a.Connected ? "disconnected" : a.ReconnectRequired ? "reconnect-required" : a.Paused ? "paused" : "active";
        return new SyncStatusView(
            a.Id,
            a.EmailAddress,
            state,
            a.Phase.ToString(),
            a.Done,
            Math.Max(a.Estimated, a.Done + a.Skipped),
            a.Skipped,
            a.HistoryId is { } h ? (ulong)h : null,
            a.LastSyncAt is { } synced ? Math.Max(0, (time.GetUtcNow() - synced).TotalSeconds) : null,
            a.LastSyncAt,
            a.WatchExpiresAt,
            units,
            rateLimited,
            a.LastError,
            a.LastErrorAt,
            a.ResyncCount,
            a.LastResyncAt,
            a.LastResyncReason,
            a.ResyncRequested,
            a.InitialCompletedAt);
    }
}

/// <summary>Quota units used in one minute (UTC, the minute's start).</summary>
public sealed record QuotaPoint(DateTimeOffset Minute, long Units);

/// <summary>An account's Gmail quota use per minute, oldest first.</summary>
public sealed record QuotaHistoryView(Guid AccountId, IReadOnlyList<QuotaPoint> Points);
