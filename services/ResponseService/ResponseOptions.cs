using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.ResponseService;

/// <summary>The <c>Responses</c> section: how the service finds accounts and drains its outbox.</summary>
public sealed class ResponseOptions
{
    public const string SectionName = "Responses";

    /// <summary>Read accounts the events have not described yet (owner, address, preferences) from the auth-service.</summary>
    public bool UseAuthServiceDirectory { get; set; } = true;

    [Range(1, 1000)]
    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>How often the outbox is swept when nothing signalled new rows (another replica's rows, a crash).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan OutboxSweepInterval { get; set; } = TimeSpan.FromSeconds(1);
}
