using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.GmailEmulator.Quota;

/// <summary>Admin view of the quota gate, for tests and benchmarks. Not part of Google's surface.</summary>
public static class EmulatorQuotaApi
{
    public static IEndpointRouteBuilder MapEmulatorQuotaApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/emulator/quota").WithTags("Emulator admin: quota")
            .MapGet("/{email}", GetQuota).WithName("GetUserQuota")
            .WithSummary("Units charged, calls allowed, 429s answered and the bucket's fill for one user.");
        return app;
    }

    public static Ok<QuotaSnapshot> GetQuota(string email, QuotaGate quota) => TypedResults.Ok(quota.Snapshot(email.Trim().ToLowerInvariant()));
}
