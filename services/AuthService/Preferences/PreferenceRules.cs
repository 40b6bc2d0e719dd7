using System.Text.RegularExpressions;
using GmailAutomation.AuthService.Data;
using GmailAutomation.Common.Errors;

namespace GmailAutomation.AuthService;

/// <summary>Bounds and defaults of account preferences, and the one place that checks an update against them.</summary>
public static partial class PreferenceRules
{
    public const int MinSyncWindowDays = 7;
    public const int MaxSyncWindowDays = 90;
    public const int DefaultSyncWindowDays = 30;

    public const int MinSyncBatchSize = 10;
    public const int MaxSyncBatchSize = 500;
    public const int DefaultSyncBatchSize = 100;

    public const int MinPollingIntervalSeconds = 30;
    public const int MaxPollingIntervalSeconds = 3600;
    public const int DefaultPollingIntervalSeconds = 300;

    public const decimal MaxDailyAiSpendCapUsd = 1000m;
    public const decimal DefaultDailyAiSpendCapUsd = 5m;

    public const int MaxSignatureLength = 2000;
    public const int MaxAiModelLength = 100;
    public const int MaxCategories = 50;

    public const string AllCategories = "*";
    public const string AutoLanguage = "auto";
    /// <summary>"Whatever the system is configured with" (the response-service's <c>Ai:DefaultProvider</c>), until the user picks one.</summary>
    public const string DefaultAiProvider = "default";
    public const string DefaultTone = "friendly";
    public const string ReplyToSender = "reply";
    public const string ReplyToAll = "reply-all";

    public static readonly IReadOnlyList<string> AiProviders = [DefaultAiProvider, "template", "openai", "gemini", "ollama", "openai-compatible"];
    public static readonly IReadOnlyList<string> Tones = ["friendly", "formal", "concise", "casual", "neutral"];
    public static readonly IReadOnlyList<string> ReplyModes = [ReplyToSender, ReplyToAll];

    /// <summary>
    /// Applies <paramref name="update"/> to <paramref name="target"/> when every given field is valid; fields left
    /// out keep their value. Throws <see cref="ValidationException"/> naming each bad field, changing nothing.
    /// Returns whether anything changed.
    /// </summary>
    public static bool Apply(AccountPreferencesEntity target, PreferencesUpdate update)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Fail(string field, string message) => errors[field] = [message];

        if (update.SyncWindowDays is { } days && days is < MinSyncWindowDays or > MaxSyncWindowDays)
        {
            Fail("syncWindowDays", $"syncWindowDays must be between {MinSyncWindowDays} and {MaxSyncWindowDays} days.");
        }

        if (update.SyncBatchSize is { } batch && batch is < MinSyncBatchSize or > MaxSyncBatchSize)
        {
            Fail("syncBatchSize", $"syncBatchSize must be between {MinSyncBatchSize} and {MaxSyncBatchSize} messages.");
        }

        if (update.PollingIntervalSeconds is { } polling && polling is < MinPollingIntervalSeconds or > MaxPollingIntervalSeconds)
        {
            Fail("pollingIntervalSeconds", $"pollingIntervalSeconds must be between {MinPollingIntervalSeconds} and {MaxPollingIntervalSeconds} seconds.");
        }

        if (update.LabelCategories is { } labels && CheckCategories(labels) is { } labelError)
        {
            Fail("labelCategories", "labelCategories " + labelError);
        }

        if (update.DraftCategories is { } drafts && CheckCategories(drafts) is { } draftError)
        {
            Fail("draftCategories", "draftCategories " + draftError);
        }

        if (update.AiProvider is { } provider && !AiProviders.Contains(provider))
        {
            Fail("aiProvider", $"aiProvider must be one of {string.Join(", ", AiProviders)}.");
        }

        if (update.AiModel is { } model && (model.Length > MaxAiModelLength || model.Any(char.IsControl)))
        {
            Fail("aiModel", $"aiModel must be at most {MaxAiModelLength} printable characters.");
        }

        if (update.Tone is { } tone && !Tones.Contains(tone))
        {
            Fail("tone", $"tone must be one of {string.Join(", ", Tones)}.");
        }

        if (update.ReplyLanguage is { } language && language != AutoLanguage && !LanguageTag().IsMatch(language))
        {
            Fail("replyLanguage", "replyLanguage must be 'auto' or a BCP 47 language tag such as 'en' or 'pt-BR'.");
        }

        if (update.Signature is { } signature && signature.Length > MaxSignatureLength)
        {
            Fail("signature", $"signature must be at most {MaxSignatureLength} characters.");
        }

        if (update.ReplyMode is { } mode && !ReplyModes.Contains(mode))
        {
            Fail("replyMode", $"replyMode must be '{ReplyToSender}' or '{ReplyToAll}'.");
        }

        if (update.DailyAiSpendCapUsd is { } cap && (cap < 0 || cap > MaxDailyAiSpendCapUsd || decimal.Round(cap, 2) != cap))
        {
            Fail("dailyAiSpendCapUsd", $"dailyAiSpendCapUsd must be between 0 and {MaxDailyAiSpendCapUsd} US dollars, in cents.");
        }

        if (errors.Count > 0)
        {
            throw new ValidationException($"The preferences are invalid: {string.Join(", ", errors.Keys)}.", errors);
        }

        var before = Snapshot(target);
        target.SyncWindowDays = update.SyncWindowDays ?? target.SyncWindowDays;
        target.SyncBatchSize = update.SyncBatchSize ?? target.SyncBatchSize;
        target.PollingIntervalSeconds = update.PollingIntervalSeconds ?? target.PollingIntervalSeconds;
        target.AdaptivePolling = update.AdaptivePolling ?? target.AdaptivePolling;
        target.LabelCategories = update.LabelCategories is { } l ? Distinct(l) : target.LabelCategories;
        target.DraftCategories = update.DraftCategories is { } d ? Distinct(d) : target.DraftCategories;
        target.AiProvider = update.AiProvider ?? target.AiProvider;
        target.AiModel = update.AiModel is { } m ? EmptyToNull(m) : target.AiModel;
        target.Tone = update.Tone ?? target.Tone;
        target.ReplyLanguage = update.ReplyLanguage ?? target.ReplyLanguage;
        target.Signature = update.Signature is { } s ? EmptyToNull(s) : target.Signature;
        target.ReplyMode = update.ReplyMode ?? target.ReplyMode;
        target.DailyAiSpendCapUsd = update.DailyAiSpendCapUsd ?? target.DailyAiSpendCapUsd;
        target.Paused = update.Paused ?? target.Paused;
        target.DraftRepliesEnabled = update.DraftRepliesEnabled ?? target.DraftRepliesEnabled;
        return Snapshot(target) != before;
    }

    private static string? CheckCategories(IReadOnlyList<string> categories)
    {
        if (categories.Count > MaxCategories)
        {
            return $"may name at most {MaxCategories} categories.";
        }

        return categories.All(c => c == AllCategories || CategoryName().IsMatch(c))
            ? null
            : "must hold '*' or category names of 1-64 letters, digits, spaces, '_', '-' or '/', starting with a letter.";
    }

    private static List<string> Distinct(IEnumerable<string> values) => [.. values.Distinct(StringComparer.OrdinalIgnoreCase)];

    private static string? EmptyToNull(string value) => value.Length == 0 ? null : value;

    private static string Snapshot(AccountPreferencesEntity p) => System.Text.Json.JsonSerializer.Serialize(p);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9 _/-]{0,63}$")]
    private static partial Regex CategoryName();

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")]
    private static partial Regex LanguageTag();
}

/// <summary>A change of preferences: fields left out (null) keep their value; an empty signature or model clears it.</summary>
public sealed record PreferencesUpdate
{
    public int? SyncWindowDays { get; init; }

    public int? SyncBatchSize { get; init; }

    public int? PollingIntervalSeconds { get; init; }

    public bool? AdaptivePolling { get; init; }

    public IReadOnlyList<string>? LabelCategories { get; init; }

    public IReadOnlyList<string>? DraftCategories { get; init; }

    public bool? DraftRepliesEnabled { get; init; }

    public string? AiProvider { get; init; }

    public string? AiModel { get; init; }

    public string? Tone { get; init; }

    public string? ReplyLanguage { get; init; }

    public string? Signature { get; init; }

    public string? ReplyMode { get; init; }

    public decimal? DailyAiSpendCapUsd { get; init; }

    public bool? Paused { get; init; }
}
