using System.Text.Json;
using System.Text.Json.Serialization;

namespace GmailAutomation.ApiGateway.Status;

/// <summary>What GET /api/status answers: the gateway's view of every service and backing resource.</summary>
public sealed record SystemStatus(
    string Status,
    string Version,
    DateTimeOffset CheckedAt,
    IReadOnlyList<ComponentStatus> Services,
    IReadOnlyList<ComponentStatus> Resources)
{
    public bool IsHealthy => Status == HealthStates.Healthy;

    /// <summary>
    /// For a signed-in caller only: the sync state of each of their Gmail accounts as the email-service reports it
    /// (phase, progress, history id, lag, watch expiry, quota, last error). Absent for anonymous checks.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Accounts { get; init; }

    /// <summary>Why <see cref="Accounts"/> could not be read, when it could not.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AccountsError { get; init; }
}

/// <summary>Health and version of one service or backing resource.</summary>
/// <param name="Name">Aspire resource name, e.g. <c>email-service</c> or <c>redis</c>.</param>
/// <param name="Status">Healthy, Degraded or Unhealthy.</param>
/// <param name="Version">The version it reports, when it answered.</param>
/// <param name="DurationMs">How long the check took.</param>
/// <param name="Error">Why it is not healthy (never secrets).</param>
public sealed record ComponentStatus(string Name, string Status, string? Version, double DurationMs, string? Error = null);

public static class HealthStates
{
    public const string Healthy = "Healthy";
    public const string Degraded = "Degraded";
    public const string Unhealthy = "Unhealthy";
}
