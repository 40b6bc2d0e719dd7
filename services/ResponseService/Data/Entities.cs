namespace GmailAutomation.ResponseService.Data;

/// <summary>
/// A connected account as the response-service knows it: its Gmail address (for Gmail calls), its owner (API
/// scoping) and the latest preference snapshot (<see cref="PreferencesRevision"/> guards against older snapshots).
/// </summary>
public sealed class ReplyAccount
{
    public Guid Id { get; set; }

    public string EmailAddress { get; set; } = string.Empty;

    /// <summary>The owner, when the auth-service told us.</summary>
    public Guid? UserId { get; set; }

    /// <summary>False once the account was disconnected: no replies.</summary>
    public bool Connected { get; set; } = true;

    /// <summary>Revision of the snapshot below; -1 while only defaults are known.</summary>
    public long PreferencesRevision { get; set; } = -1;

    public bool DraftRepliesEnabled { get; set; } = true;

    public List<string> ReplyCategories { get; set; } = ["*"];

    public string Tone { get; set; } = "friendly";

    public string Language { get; set; } = "auto";

    public string? Signature { get; set; }

    public string AiProvider { get; set; } = string.Empty;

    public string? AiModel { get; set; }

    public decimal DailyAiSpendCapUsd { get; set; } = 5m;

    public bool Paused { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PostgreSQL's <c>xmin</c>: concurrent event handlers changing one account cannot overwrite each other.</summary>
    public uint Version { get; set; }

    /// <summary>Whether a message of <paramref name="category"/> gets a reply (<c>*</c> = every category).</summary>
    public bool RepliesTo(string category) =>
        Connected && !Paused && DraftRepliesEnabled
        && ReplyCategories.Any(c => c == "*" || string.Equals(c, category, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The reply written for one message of one account; (AccountId, GmailMessageId) is unique.</summary>
public sealed class GeneratedReply
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public string GmailMessageId { get; set; } = string.Empty;

    public string ThreadId { get; set; } = string.Empty;

    public string Category { get; set; } = string.Empty;

    public string Language { get; set; } = string.Empty;

    public string ReplyText { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public string Model { get; set; } = string.Empty;

    public int PromptTokens { get; set; }

    public int CompletionTokens { get; set; }

    public decimal CostUsd { get; set; }

    /// <summary>Why the preferred provider did not write it (e.g. <c>openai: timeout</c>, <c>spend-cap</c>), or null.</summary>
    public string? FallbackReason { get; set; }

    public Guid EventId { get; set; }

    public string CorrelationId { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One call to an AI provider (successful or not): tokens and estimated cost, the basis of the daily spend.</summary>
public sealed class AiCall
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public string GmailMessageId { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public string Model { get; set; } = string.Empty;

    /// <summary><c>ok</c>, <c>rejected</c> (output failed validation), <c>failed</c>, <c>timeout</c>.</summary>
    public string Outcome { get; set; } = string.Empty;

    public int PromptTokens { get; set; }

    public int CompletionTokens { get; set; }

    public decimal CostUsd { get; set; }

    public int DurationMs { get; set; }

    /// <summary>The UTC day the call counts towards.</summary>
    public DateOnly Day { get; set; }

    public DateTimeOffset At { get; set; }
}

/// <summary>An event saved with the reply that produced it, waiting to be published.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public Guid EventId { get; set; }

    public string EventType { get; set; } = string.Empty;

    public string Payload { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
