using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>Creates or edits a rule; "Preview" runs the rule set with this change over recent mail and shows what would change, saving nothing.</summary>
public sealed class RuleEditModel : ConsolePageModel
{
    public const int PreviewMessages = 200;

    [BindProperty(SupportsGet = true)]
    public Guid? RuleId { get; set; }

    [BindProperty]
    public RuleForm Form { get; set; } = new();

    public RuleListInfo Rules { get; private set; } = new([], [], 0);

    public IReadOnlyList<string> Categories { get; private set; } = [];

    public DryRunInfo? Preview { get; private set; }

    public RuleInfo? Existing => RuleId is { } id ? Rules.Rules.FirstOrDefault(r => r.Id == id) : null;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (RuleId is not null && Existing is null && Problem is null)
        {
            return NotFound();
        }

        Form = Existing is { } rule ? RuleForm.Of(rule) : new RuleForm();
        Form.Pad();
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Form.Pad();
        if (Account is null)
        {
            Problem = "Connect a Gmail account first: the preview runs over its recent mail.";
            return Page();
        }

        var (rule, errors) = Form.ToRule(RuleId?.ToString());
        if (rule is null)
        {
            Show(errors);
            return Page();
        }

        var proposed = Rules.Rules
            .Select(r => r.Id == RuleId ? rule : new { id = r.Id.ToString(), name = r.Name, enabled = r.Enabled, condition = (object)r.Condition, actions = (object)r.Actions })
            .ToList();
        if (Existing is null)
        {
            proposed.Add(rule);
        }

        await TryAsync(async () => Preview = await Api.SendAsync<DryRunInfo>(
            HttpMethod.Post, PublicRoutes.ClassificationService, $"/api/classification/accounts/{Account.Id}/dry-run", new { rules = proposed, limit = PreviewMessages }, cancellationToken));
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        Form.Pad();
        var (rule, errors) = Form.ToRule(null);
        if (rule is null)
        {
            Show(errors);
            return Page();
        }

        RuleInfo? saved = null;
        var ok = await TryAsync(async () => saved = RuleId is { } id
            ? await Api.SendAsync<RuleInfo>(HttpMethod.Put, PublicRoutes.ClassificationService, $"/api/classification/rules/{id}", rule, cancellationToken)
            : await Api.SendAsync<RuleInfo>(HttpMethod.Post, PublicRoutes.ClassificationService, "/api/classification/rules", rule, cancellationToken));
        if (!ok)
        {
            return Page();
        }

        return BackTo("/rules", $"Rule “{saved!.Name}” is saved; it applies to mail from now on.");
    }

    private void Show(Dictionary<string, string> errors)
    {
        Problem = "The rule is not complete yet; see the messages next to the fields.";
        foreach (var (field, message) in errors)
        {
            FieldErrors[field] = message;
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        var rules = Api.GetAsync<RuleListInfo>(PublicRoutes.ClassificationService, "/api/classification/rules", cancellationToken);
        var categories = Api.GetAsync<CategoriesInfo>(PublicRoutes.ClassificationService, "/api/classification/categories", cancellationToken);
        await TryAsync(async () => Rules = await rules);
        await TryAsync(async () => Categories = [.. (await categories).All]);
    }
}
