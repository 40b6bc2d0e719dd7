namespace GmailAutomation.ResponseService.Replies;

/// <summary>Everything a provider gets to write one reply: the message, its thread, and the user's preferences.</summary>
public sealed record ReplyContext
{
    public required Guid AccountId { get; init; }

    public required string GmailMessageId { get; init; }

    public required string ThreadId { get; init; }

    /// <summary>The user's own Gmail address.</summary>
    public required string AccountEmail { get; init; }

    public required string Category { get; init; }

    public string? SenderName { get; init; }

    public string? SenderAddress { get; init; }

    public string Subject { get; init; } = string.Empty;

    /// <summary>The incoming message's plain text, cut at <c>Ai:MaxMessageChars</c>.</summary>
    public string BodyText { get; init; } = string.Empty;

    /// <summary>Earlier messages of the thread, oldest first, each cut so that all fit <c>Ai:MaxThreadChars</c>.</summary>
    public IReadOnlyList<ThreadMessage> Thread { get; init; } = [];

    /// <summary>Every address that appears in the message's and thread's headers; a reply may mention only these.</summary>
    public IReadOnlySet<string> KnownAddresses { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The language of the incoming mail (en, de, es, fr…), detected from its text.</summary>
    public string DetectedLanguage { get; init; } = "en";

    /// <summary>The language to answer in: the preference, or <see cref="DetectedLanguage"/> when it is <c>auto</c>.</summary>
    public string ReplyLanguage { get; init; } = "en";

    public string Tone { get; init; } = "friendly";

    public string? Signature { get; init; }

    /// <summary>Meeting times the mail proposes, as written in it.</summary>
    public IReadOnlyList<string> ProposedTimes { get; init; } = [];
}

/// <summary>An earlier message of the thread.</summary>
public sealed record ThreadMessage(string? From, DateTimeOffset? Date, string Text);
