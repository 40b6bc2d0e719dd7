using System.Globalization;
using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>One preference on the form: its API name (also the form field's name), how it is edited, and a hint with its bounds.</summary>
public sealed record PreferenceField(string Key, string Label, string Kind, string Hint, IReadOnlyList<string>? Options = null);

/// <summary>
/// Every preference of the auth-service on one form. The service is the one judge of what is valid; its per-field
/// messages (problem details <c>errors</c>) are shown next to the fields, with what the person typed kept.
/// </summary>
public sealed class PreferencesModel : ConsolePageModel
{
    public static IReadOnlyList<(string Legend, IReadOnlyList<PreferenceField> Fields)> Groups { get; } =
    [
        ("Automation", [
            new("paused", "Pause all automation for this account", "bool", "No sync, labels or drafts while paused."),
            new("draftRepliesEnabled", "Write reply drafts", "bool", "Drafts are saved in Gmail, never sent."),
        ]),
        ("Sync", [
            new("syncWindowDays", "Initial sync window (days)", "int", "How far back the first sync reads: 7 to 90 days."),
            new("syncBatchSize", "Sync batch size (messages)", "int", "Messages read per batch: 10 to 500."),
            new("pollingIntervalSeconds", "Polling interval (seconds)", "int", "How often to check for new mail when push is unavailable: 30 to 3600."),
            new("adaptivePolling", "Adaptive polling", "bool", "Poll more often while mail is arriving, less when it is quiet."),
        ]),
        ("Labels and drafts", [
            new("labelCategories", "Categories that get a Gmail label", "list", "Comma-separated category names, or * for all."),
            new("draftCategories", "Categories that get a reply draft", "list", "Comma-separated category names, or * for all."),
        ]),
        ("Replies", [
            new("aiProvider", "AI provider", "select", "template writes offline, without any AI service.", ["template", "openai", "gemini", "ollama", "openai-compatible"]),
            new("aiModel", "AI model", "text", "Empty for the provider's default; at most 100 characters."),
            new("tone", "Tone", "select", "How the replies sound.", ["friendly", "formal", "concise", "casual", "neutral"]),
            new("replyLanguage", "Reply language", "text", "auto (the message's language) or a language tag such as en, de or pt-BR."),
            new("replyMode", "Reply to", "select", "reply: the sender only; reply-all: everyone on the message except you.", ["reply", "reply-all"]),
            new("signature", "Signature", "textarea", "Added below each reply; at most 2000 characters."),
            new("dailyAiSpendCapUsd", "Daily AI spend cap (US dollars)", "decimal", "0 to 1000, in cents; past it replies are written offline."),
        ]),
    ];

    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    public PreferencesInfo? Current { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is not null)
        {
            Current = Account.Preferences;
            Fill(Current);
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return Redirect("/");
        }

        Current = Account.Preferences;
        var update = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in Groups.SelectMany(g => g.Fields))
        {
            // A checkbox sends "true" before its hidden "false"; an unchecked one sends only "false".
            var raw = Request.Form[field.Key].FirstOrDefault() ?? string.Empty;
            Values[field.Key] = raw;
            switch (field.Kind)
            {
                case "int" when int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number):
                    update[field.Key] = number;
                    break;
                case "int":
                    FieldErrors[field.Key] = "Enter a whole number.";
                    break;
                case "decimal" when decimal.TryParse(raw.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var amount):
                    update[field.Key] = amount;
                    break;
                case "decimal":
                    FieldErrors[field.Key] = "Enter an amount such as 5 or 2.50.";
                    break;
                case "bool":
                    update[field.Key] = raw == "true";
                    break;
                case "list":
                    update[field.Key] = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                default:
                    update[field.Key] = raw;
                    break;
            }
        }

        if (FieldErrors.Count > 0)
        {
            Problem = "Some values need fixing; nothing was saved.";
            return Page();
        }

        if (await TryAsync(() => Api.SendAsync(HttpMethod.Put, PublicRoutes.AuthService, $"/api/accounts/{Account.Id}/preferences", update, cancellationToken)))
        {
            return BackTo("/preferences", $"Preferences of {Account.EmailAddress} are saved; the services pick them up within seconds.");
        }

        Problem = FieldErrors.Count > 0 ? "Some values need fixing; nothing was saved." : Problem;
        return Page();
    }

    public string Value(string key) => Values.GetValueOrDefault(key) ?? string.Empty;

    private void Fill(PreferencesInfo p)
    {
        Values["paused"] = Bool(p.Paused);
        Values["draftRepliesEnabled"] = Bool(p.DraftRepliesEnabled);
        Values["syncWindowDays"] = p.SyncWindowDays.ToString(CultureInfo.InvariantCulture);
        Values["syncBatchSize"] = p.SyncBatchSize.ToString(CultureInfo.InvariantCulture);
        Values["pollingIntervalSeconds"] = p.PollingIntervalSeconds.ToString(CultureInfo.InvariantCulture);
        Values["adaptivePolling"] = Bool(p.AdaptivePolling);
        Values["labelCategories"] = string.Join(", ", p.LabelCategories);
        Values["draftCategories"] = string.Join(", ", p.DraftCategories);
        Values["aiProvider"] = p.AiProvider;
        Values["aiModel"] = p.AiModel ?? string.Empty;
        Values["tone"] = p.Tone;
        Values["replyLanguage"] = p.ReplyLanguage;
        Values["replyMode"] = p.ReplyMode;
        Values["signature"] = p.Signature ?? string.Empty;
        Values["dailyAiSpendCapUsd"] = p.DailyAiSpendCapUsd.ToString("0.00", CultureInfo.InvariantCulture);
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
