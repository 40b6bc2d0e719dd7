using GmailAutomation.ApiGateway.Proxy;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>The reply drafts written for an account, with provider, cost and status, and the AI spend against the daily cap.</summary>
public sealed class DraftsModel : ConsolePageModel
{
    public static IReadOnlyList<string> Statuses { get; } = ["pending", "created", "replaced", "skipped", "deleted-by-user"];

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    public IReadOnlyList<DraftInfo> Drafts { get; private set; } = [];

    public UsageInfo? Usage { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return;
        }

        var status = Statuses.Contains(Status) ? "&status=" + Status : string.Empty;
        var drafts = Api.GetAsync<List<DraftInfo>>(PublicRoutes.DraftService, $"/api/drafts/accounts/{Account.Id}?limit=200{status}", cancellationToken);
        var usage = Api.GetAsync<UsageInfo>(PublicRoutes.ResponseService, $"/api/replies/accounts/{Account.Id}/usage?days=30", cancellationToken);
        await TryAsync(async () => Drafts = await drafts);
        await TryAsync(async () => Usage = await usage);
    }
}
