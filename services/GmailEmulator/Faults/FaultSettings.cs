using System.Globalization;
using System.Text.Json.Serialization;
using GmailAutomation.Common.Errors;

namespace GmailAutomation.GmailEmulator.Faults;

/// <summary>
/// What the emulator breaks on purpose. Bound from <c>Emulator:Faults</c> at start-up and replaced at run time
/// with <c>PUT /emulator/faults</c> (same shape, camelCase JSON). Every part is optional; an empty object means
/// no faults. Documented in the emulator's README, section "Fault injection".
/// </summary>
public sealed class FaultSettings
{
    public const string SectionName = "Emulator:Faults";

    /// <summary>Probability per call of answering with a status instead of the real response, e.g. <c>{"500":0.05,"503":0.05,"429":0.01}</c>. Sum ≤ 1.</summary>
    public Dictionary<string, double> ErrorRates { get; set; } = [];

    /// <summary>Periodic windows during which every call gets 429 (Gmail's bursty RESOURCE_EXHAUSTED).</summary>
    public RateLimitBurstSettings? RateLimitBurst { get; set; }

    /// <summary>Extra latency added to a share of calls.</summary>
    public LatencySettings? Latency { get; set; }

    /// <summary>The next <c>Count</c> calls fail with <c>StatusCode</c>, deterministically (then the counter is spent).</summary>
    public FailNextSettings? FailNext { get; set; }

    /// <summary>While true, every startHistoryId is stale: history.list answers 404 and clients must full-sync.</summary>
    public bool HistoryExpired { get; set; }

    /// <summary>Only these Gmail methods are affected (e.g. <c>messages.get</c> or <c>gmail.users.messages.get</c>); empty: all.</summary>
    public List<string> Methods { get; set; } = [];

    /// <summary>Only these mailboxes are affected; empty: all.</summary>
    public List<string> Users { get; set; } = [];

    /// <summary>Seed of the random draws, for reproducible runs; null draws from a shared random source.</summary>
    public int? Seed { get; set; }

    [JsonIgnore]
    public bool IsEmpty => ErrorRates.Count == 0 && RateLimitBurst is null && Latency is null && FailNext is null && !HistoryExpired;

    /// <summary>Checks every part; throws <see cref="ValidationException"/> naming each bad field.</summary>
    public IReadOnlyList<(int Status, double Rate)> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        var rates = new List<(int, double)>();
        foreach (var (key, rate) in ErrorRates)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var status) || !IsFaultStatus(status))
            {
                errors[$"errorRates.{key}"] = ["Keys must be HTTP statuses from 400 to 599."];
            }
            else if (double.IsNaN(rate) || rate < 0 || rate > 1)
            {
                errors[$"errorRates.{key}"] = ["Rates are probabilities between 0 and 1."];
            }
            else if (rate > 0)
            {
                rates.Add((status, rate));
            }
        }

        if (rates.Sum(r => r.Item2) > 1 + 1e-9)
        {
            errors["errorRates"] = ["The rates add up to more than 1."];
        }

        if (RateLimitBurst is { } burst && (burst.Every <= TimeSpan.Zero || burst.Duration <= TimeSpan.Zero || burst.Duration > burst.Every))
        {
            errors["rateLimitBurst"] = ["Needs every > 0 and 0 < duration ≤ every."];
        }

        if (Latency is { } latency && (latency.Added < TimeSpan.Zero || latency.Added > TimeSpan.FromMinutes(5) || latency.Probability is < 0 or > 1 || double.IsNaN(latency.Probability)))
        {
            errors["latency"] = ["Needs 0 ≤ added ≤ 5 minutes and a probability between 0 and 1."];
        }

        if (FailNext is { } failNext && (failNext.Count < 0 || !IsFaultStatus(failNext.StatusCode)))
        {
            errors["failNext"] = ["Needs count ≥ 0 and a statusCode from 400 to 599."];
        }

        if (errors.Count > 0)
        {
            throw new ValidationException("The fault settings are invalid.", errors);
        }

        return [.. rates.OrderBy(r => r.Item1)];
    }

    private static bool IsFaultStatus(int status) => status is >= 400 and <= 599;
}

public sealed class RateLimitBurstSettings
{
    /// <summary>A burst starts this often, counted from when the settings were applied.</summary>
    public TimeSpan Every { get; set; }

    /// <summary>How long each burst lasts.</summary>
    public TimeSpan Duration { get; set; }
}

public sealed class LatencySettings
{
    public TimeSpan Added { get; set; }

    /// <summary>Share of calls that get the added latency (1 when omitted).</summary>
    public double Probability { get; set; } = 1;
}

public sealed class FailNextSettings
{
    public int Count { get; set; }

    public int StatusCode { get; set; } = 503;
}
