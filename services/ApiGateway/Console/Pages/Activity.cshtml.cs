using System.Globalization;
using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>Recent messages with what was decided for each, newest first, filterable; a category corrected in one click.</summary>
public sealed class ActivityModel : ConsolePageModel
{
    public static IReadOnlyList<(string Value, string Text)> Deciders { get; } =
    [
        ("rule", "one of your rules"), ("builtin", "a built-in rule"), ("model", "the learned model"), ("none", "nothing matched (Other)"), ("correction", "corrected by you"),
    ];

    [BindProperty(SupportsGet = true)]
    public string? Category { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? NeedsReply { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? DecidedBy { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTimeOffset? Before { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? BeforeId { get; set; }

    public ActivityPageInfo Activity { get; private set; } = new([], null, null);

    public IReadOnlyList<string> Categories { get; private set; } = [];

    public IReadOnlyDictionary<string, DraftInfo> Drafts { get; private set; } = new Dictionary<string, DraftInfo>();

    public IReadOnlyDictionary<string, string> RuleNames { get; private set; } = new Dictionary<string, string>();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return;
        }

        var id = Account.Id;
        var query = new List<string> { "limit=50" };
        if (!string.IsNullOrWhiteSpace(Category))
        {
            query.Add("category=" + Uri.EscapeDataString(Category));
        }

        if (NeedsReply is "yes" or "no")
        {
            query.Add("needsReply=" + (NeedsReply == "yes" ? "true" : "false"));
        }

        if (!string.IsNullOrWhiteSpace(DecidedBy))
        {
            query.Add("decidedBy=" + Uri.EscapeDataString(DecidedBy));
        }

        if (Before is { } before)
        {
            query.Add("before=" + Uri.EscapeDataString(before.ToString("O", CultureInfo.InvariantCulture)));
            if (!string.IsNullOrEmpty(BeforeId))
            {
                query.Add("beforeId=" + Uri.EscapeDataString(BeforeId));
            }
        }

        // The page's calls that do not depend on each other go out together.
        var activity = Api.GetAsync<ActivityPageInfo>(PublicRoutes.ClassificationService, $"/api/classification/accounts/{id}/activity?{string.Join('&', query)}", cancellationToken);
        var categories = Api.GetAsync<CategoriesInfo>(PublicRoutes.ClassificationService, "/api/classification/categories", cancellationToken);
        var rules = Api.GetAsync<RuleListInfo>(PublicRoutes.ClassificationService, "/api/classification/rules", cancellationToken);
        await TryAsync(async () => Activity = await activity);
        await TryAsync(async () => Categories = [.. (await categories).All]);
        await TryAsync(async () =>
        {
            var list = await rules;
            RuleNames = list.Rules.Select(r => (Id: r.Id.ToString(), r.Name)).Concat(list.BuiltIns.Select(b => (b.Id, b.Name)))
                .ToDictionary(r => r.Id, r => r.Name, StringComparer.OrdinalIgnoreCase);
        });

        if (Activity.Items.Count > 0)
        {
            var ids = string.Join('&', Activity.Items.Select(i => "messageId=" + Uri.EscapeDataString(i.GmailMessageId)));
            await TryAsync(async () => Drafts = (await Api.GetAsync<List<DraftInfo>>(PublicRoutes.DraftService, $"/api/drafts/accounts/{id}?limit=500&{ids}", cancellationToken))
                .ToDictionary(d => d.GmailMessageId));
        }
    }

    public async Task<IActionResult> OnPostCorrectAsync(string messageId, string correctTo, CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return Redirect("/");
        }

        CorrectionResultInfo? result = null;
        if (await TryAsync(async () => result = await Api.SendAsync<CorrectionResultInfo>(
                HttpMethod.Post, PublicRoutes.ClassificationService, $"/api/classification/accounts/{Account.Id}/messages/{Uri.EscapeDataString(messageId)}/corrections", new { category = correctTo }, cancellationToken)))
        {
            var c = result!.Correction;
            Notice =
                $"Category changed from {c.PreviousCategory} to {c.Category}; the Gmail label follows. {result.CorrectionsSinceLastModel} correction(s) wait for the next retraining{(result.RetrainDue ? " (due now)" : string.Empty)}.";
            return Redirect(PageLink(Before, BeforeId));
        }

        var problem = Problem;
        await OnGetAsync(cancellationToken);
        Problem = problem;
        return Page();
    }

    public string Decider(ActivityItemInfo item)
    {
        if (item.Corrected)
        {
            return "you (correction)";
        }

        var rule = item.RuleId is { } id ? RuleNames.GetValueOrDefault(id, id) : null;
        return item.DecidedBy switch
        {
            "rule" => $"rule “{rule}”",
            "builtin" => $"built-in “{rule}”",
            "model" => $"model {item.ModelVersion} ({item.Confidence:P0})",
            "none" => "nothing matched",
            var other => other,
        };
    }

    public string PageLink(DateTimeOffset? before, string? beforeId)
    {
        var parts = new List<string>();
        if (Account is not null)
        {
            parts.Add(AccountQuery);
        }

        if (!string.IsNullOrWhiteSpace(Category))
        {
            parts.Add("category=" + Uri.EscapeDataString(Category));
        }

        if (!string.IsNullOrWhiteSpace(NeedsReply))
        {
            parts.Add("needsReply=" + Uri.EscapeDataString(NeedsReply));
        }

        if (!string.IsNullOrWhiteSpace(DecidedBy))
        {
            parts.Add("decidedBy=" + Uri.EscapeDataString(DecidedBy));
        }

        if (before is { } b)
        {
            parts.Add("before=" + Uri.EscapeDataString(b.ToString("O", CultureInfo.InvariantCulture)));
            if (!string.IsNullOrEmpty(beforeId))
            {
                parts.Add("beforeId=" + Uri.EscapeDataString(beforeId));
            }
        }

        return "/activity?" + string.Join('&', parts);
    }
}
