using GmailAutomation.ApiGateway.Audit;
using GmailAutomation.ApiGateway.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.ApiGateway.Apis;

/// <summary>The audit log of one of the signed-in user's accounts (read-only: there is no way to change or delete an entry).</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/audit").WithTags("Audit log").RequireAuthorization();
        audit.MapGet("/accounts/{accountId:guid}/entries", List).WithName("ListAuditEntries")
            .WithSummary("The account's audit entries, newest first; filter by action, message id and time range, page with before/limit.");
        return app;
    }

    public static async Task<Ok<AuditPage>> List(
        Guid accountId,
        HttpContext http,
        AccountOwnership owners,
        AuditLog log,
        CancellationToken cancellationToken,
        string? action = null,
        string? messageId = null,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        long? before = null,
        int? limit = null)
    {
        await owners.RequireOwnedAsync(GatewayCaller.Require(http.User).UserId, accountId, cancellationToken);
        return TypedResults.Ok(await log.QueryAsync(accountId, new AuditQuery(action, messageId, from, to, before, limit), cancellationToken));
    }
}
