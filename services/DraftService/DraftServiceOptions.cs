using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.DraftService;

/// <summary>Settings of the draft-service (<c>Drafts</c> section).</summary>
public sealed class DraftServiceOptions
{
    public const string SectionName = "Drafts";

    /// <summary>Read an account's owner and preferences from the auth-service when the events have not told us yet.</summary>
    public bool UseAuthServiceDirectory { get; set; } = true;

    /// <summary>
    /// How long a delivery holds a draft row while it talks to Gmail. Another delivery of the same message waits
    /// (is retried) meanwhile; after a crash the row is free again once this has passed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(2);

    [Range(1, 1000)]
    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>Drafts listed per page when looking for a draft written before a crash.</summary>
    [Range(1, 500)]
    public int DraftListPageSize { get; set; } = 100;
}
