using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>Sync and quota of an account: initial-sync progress, lag, watch expiry, quota per minute (chart) and recent errors.</summary>
public sealed class SyncModel : ConsolePageModel
{
    public const int ChartMinutes = 60;

    public SyncStatusInfo? Status { get; private set; }

    public QuotaHistoryInfo? Quota { get; private set; }

    /// <summary>The account is connected but the email-service has not taken it on yet (its AccountConnected is on the way).</summary>
    public bool Starting { get; private set; }

    /// <summary>While the initial sync runs the page reloads itself every few seconds (no script needed).</summary>
    public bool Refreshing => Starting || Status is { InitialCompletedAt: null, State: "active" };

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is null)
        {
            return;
        }

        var status = Api.GetAsync<SyncStatusInfo>(PublicRoutes.EmailService, $"/api/sync/accounts/{Account.Id}", cancellationToken);
        var quota = Api.GetAsync<QuotaHistoryInfo>(PublicRoutes.EmailService, $"/api/sync/accounts/{Account.Id}/quota?minutes={ChartMinutes}", cancellationToken);
        try
        {
            Status = await status;
            Quota = await quota;
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.NotFound && Account.IsConnected)
        {
            Starting = true;
        }
        catch (ServiceProblem problem)
        {
            Problem = problem.Message;
        }
    }

    public async Task<IActionResult> OnPostResyncAsync(CancellationToken cancellationToken)
    {
        await LoadAccountsAsync(cancellationToken);
        if (Account is not null
            && await TryAsync(() => Api.SendAsync(HttpMethod.Post, PublicRoutes.EmailService, $"/api/sync/accounts/{Account.Id}/resync", null, cancellationToken)))
        {
            return BackTo("/sync", "A re-sync of the window is started; messages already handled are skipped.");
        }

        var problem = Problem;
        await OnGetAsync(cancellationToken);
        Problem = problem;
        return Page();
    }

    public static string Duration(double seconds) => seconds switch
    {
        < 90 => $"{seconds:0} s",
        < 5400 => $"{seconds / 60:0} min",
        < 172800 => $"{seconds / 3600:0.#} h",
        _ => $"{seconds / 86400:0.#} days",
    };
}
