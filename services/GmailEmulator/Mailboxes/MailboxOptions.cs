using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>Mailbox behaviour (<c>Emulator</c> section).</summary>
public sealed class MailboxOptions
{
    public const string SectionName = "Emulator";

    [Required]
    public HistoryOptions History { get; set; } = new();
}

public sealed class HistoryOptions
{
    /// <summary>
    /// How long history records are kept (<c>Emulator:History:Retention</c>). A startHistoryId older than the
    /// retained records answers 404, as Gmail does for ids older than about a week.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}
