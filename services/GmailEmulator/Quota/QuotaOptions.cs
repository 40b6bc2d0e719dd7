using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.GmailEmulator.Quota;

/// <summary>Gmail's per-user rate limit as the emulator applies it (<c>Emulator:Quota</c>, API-SUBSET §10).</summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Emulator:Quota";

    public bool Enabled { get; set; } = true;

    /// <summary>Refill rate of each user's bucket; Gmail documents 250 units per user per second.</summary>
    [Range(0.001, 1_000_000)]
    public double UnitsPerSecond { get; set; } = 250;

    /// <summary>
    /// Burst tolerance ("moving average, allows short bursts"): the bucket holds this many seconds of refill.
    /// Ignored when <see cref="Capacity"/> is set.
    /// </summary>
    [Range(0.001, 3600)]
    public double BurstSeconds { get; set; } = 2;

    /// <summary>Bucket size in units, overriding <see cref="BurstSeconds"/>.</summary>
    [Range(1, 100_000_000)]
    public double? Capacity { get; set; }

    /// <summary>
    /// Calls of one user in flight at once before "Too many concurrent requests for user". Google does not
    /// publish the number; clients report trouble from about ten parallel calls.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentRequestsPerUser { get; set; } = 10;

    public double EffectiveCapacity => Capacity ?? UnitsPerSecond * BurstSeconds;
}
