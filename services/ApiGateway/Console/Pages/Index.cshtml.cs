using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace GmailAutomation.ApiGateway.Console.Pages;

/// <summary>The start page: sign-in for visitors; the person's Gmail accounts (connect, reconnect, pause, disconnect) once signed in.</summary>
public sealed class IndexModel : ConsolePageModel
{
    public bool SignedIn { get; private set; }

    public IReadOnlyDictionary<Guid, SyncStatusInfo> Sync { get; private set; } = new Dictionary<Guid, SyncStatusInfo>();

    /// <summary>The auth-service's own sign-in flow (forwarded by the gateway), back to this page afterwards.</summary>
    public static string SignInUrl(bool connectGmail) =>
        $"{SessionSignIn.SignInPath}?returnUrl=%2F{(connectGmail ? "&connectGmail=true" : string.Empty)}";

    public static string ConnectUrl(string? loginHint = null) =>
        "/api/accounts/connect?returnUrl=%2F" + (loginHint is null ? string.Empty : "&loginHint=" + Uri.EscapeDataString(loginHint));

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        SignedIn = GatewayCaller.From(User) is not null;
        if (!SignedIn)
        {
            return;
        }

        await LoadAccountsAsync(cancellationToken);
        await TryAsync(async () =>
            Sync = (await Api.GetAsync<List<SyncStatusInfo>>(PublicRoutes.EmailService, "/api/sync/accounts", cancellationToken)).ToDictionary(s => s.AccountId));
    }

    public async Task<IActionResult> OnPostPauseAsync(Guid accountId, bool paused, CancellationToken cancellationToken)
    {
        AccountId = accountId;
        await LoadAccountsAsync(cancellationToken);
        if (await TryAsync(() => Api.SendAsync(HttpMethod.Put, PublicRoutes.AuthService, $"/api/accounts/{accountId}/preferences", new { paused }, cancellationToken)))
        {
            return BackTo("/", paused
                ? $"Automation paused for {Account?.EmailAddress}: no sync, labels or drafts until you resume."
                : $"Automation resumed for {Account?.EmailAddress}.");
        }

        return await ReloadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostDisconnectAsync(Guid accountId, CancellationToken cancellationToken)
    {
        AccountId = accountId;
        await LoadAccountsAsync(cancellationToken);
        var email = Account?.EmailAddress;
        if (await TryAsync(() => Api.SendAsync(HttpMethod.Delete, PublicRoutes.AuthService, $"/api/accounts/{accountId}", null, cancellationToken)))
        {
            Notice = $"{email} is disconnected: access at Google is revoked and its tokens are deleted.";
            return Redirect("/");
        }

        return await ReloadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Redirect("/");
    }

    private async Task<IActionResult> ReloadAsync(CancellationToken cancellationToken)
    {
        var problem = Problem;
        await OnGetAsync(cancellationToken);
        Problem = problem;
        return Page();
    }
}
