using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.GmailEmulator.Faults;

/// <summary>
/// Admin API for fault injection (<c>/emulator/faults</c>). Not part of Google's surface. The quota view and
/// push subscriptions have their own <c>MapEmulatorQuotaApi</c> / <c>MapEmulatorPushApi</c>.
/// </summary>
public static class EmulatorFaultsApi
{
    public static IEndpointRouteBuilder MapEmulatorFaultsApi(this IEndpointRouteBuilder app)
    {
        var faults = app.MapGroup("/emulator/faults").WithTags("Emulator admin: faults");
        faults.MapGet("/", GetFaults).WithName("GetFaults").WithSummary("The fault settings in force and what they have injected so far.");
        faults.MapPut("/", PutFaults).WithName("PutFaults").WithSummary("Replaces the fault settings (error rates, 429 bursts, latency, fail-next, expired history).");
        faults.MapDelete("/", DeleteFaults).WithName("DeleteFaults").WithSummary("Turns every fault off.");
        return app;
    }

    public static Ok<FaultsView> GetFaults(FaultInjector faults) => TypedResults.Ok(FaultsView.Of(faults));

    public static Ok<FaultsView> PutFaults(FaultSettings settings, FaultInjector faults)
    {
        faults.Apply(settings);
        return TypedResults.Ok(FaultsView.Of(faults));
    }

    public static NoContent DeleteFaults(FaultInjector faults)
    {
        faults.Apply(new FaultSettings());
        return TypedResults.NoContent();
    }
}

/// <summary>The settings (same shape as the PUT body) plus read-only statistics.</summary>
public sealed record FaultsView(
    Dictionary<string, double> ErrorRates,
    RateLimitBurstSettings? RateLimitBurst,
    LatencySettings? Latency,
    FailNextSettings? FailNext,
    bool HistoryExpired,
    List<string> Methods,
    List<string> Users,
    int? Seed,
    [property: JsonPropertyOrder(100)] IReadOnlyDictionary<string, long> Injected,
    [property: JsonPropertyOrder(101)] long DelayedCalls)
{
    public static FaultsView Of(FaultInjector faults)
    {
        var s = faults.Current();
        var stats = faults.Statistics();
        return new FaultsView(s.ErrorRates, s.RateLimitBurst, s.Latency, s.FailNext, s.HistoryExpired, s.Methods, s.Users, s.Seed, stats.Injected, stats.DelayedCalls);
    }
}
