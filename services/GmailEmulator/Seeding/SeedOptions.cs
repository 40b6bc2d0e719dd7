using System.ComponentModel.DataAnnotations;

namespace GmailAutomation.GmailEmulator.Seeding;

/// <summary>Mailboxes filled at start-up (<c>Emulator:Seed</c>).</summary>
public sealed class SeedOptions
{
    public const string SectionName = "Emulator:Seed";

    /// <summary>The corpus folder (<c>data/mail</c>); empty: found by walking up from the content root to <c>shared/data/mail</c>.</summary>
    public string? CorpusPath { get; set; }

    public List<SeedMailboxOptions> Mailboxes { get; set; } = [];

    /// <summary>
    /// Adds the demo mailbox (<see cref="DemoMailbox"/>): what the AppHost turns on in run mode with
    /// <c>Emulator__Seed__Demo=true</c>.
    /// </summary>
    public bool Demo { get; set; }

    public const string DemoEmail = "demo@gmail-automation.local";

    /// <summary>A mix of every corpus category plus generated mail, over the last 90 days.</summary>
    public static SeedMailboxOptions DemoMailbox() => new()
    {
        Email = DemoEmail,
        Folders = ["spamassassin/easy_ham", "spamassassin/hard_ham", "spamassassin/spam", "enron_berkeley/1", "enron_berkeley/3", "enron_berkeley/4", "enron_berkeley/5", "enron_berkeley/6"],
        MaxMessages = 400,
        Days = 90,
        GeneratedMessages = 45,
    };

    /// <summary>The configured mailboxes, plus the demo one when <see cref="Demo"/> is on and it is not configured already.</summary>
    public IReadOnlyList<SeedMailboxOptions> EffectiveMailboxes() =>
        Demo && !Mailboxes.Any(m => string.Equals(m.Email, DemoEmail, StringComparison.OrdinalIgnoreCase))
            ? [.. Mailboxes, DemoMailbox()]
            : Mailboxes;
}

public sealed class SeedMailboxOptions
{
    [Required]
    [EmailAddress]
    public string Email { get; set; } = string.Empty;

    /// <summary>Corpus folders relative to the corpus path, e.g. <c>spamassassin/easy_ham</c>, <c>enron_berkeley/4</c>.</summary>
    public List<string> Folders { get; set; } = [];

    /// <summary>Most corpus messages to load in total, taken in turn from each folder.</summary>
    [Range(0, 1_000_000)]
    public int MaxMessages { get; set; } = 200;

    /// <summary>Internal dates are spread over this many past days.</summary>
    [Range(1, 3650)]
    public int Days { get; set; } = 90;

    /// <summary>Generated messages for what the corpus lacks (calendar invites, receipts, notifications).</summary>
    [Range(0, 100_000)]
    public int GeneratedMessages { get; set; } = 30;
}
