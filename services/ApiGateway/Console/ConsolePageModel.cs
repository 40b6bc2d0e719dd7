using GmailAutomation.ApiGateway.Proxy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GmailAutomation.ApiGateway.Console;

/// <summary>
/// What every signed-in console page shares: the person's Gmail accounts and the one chosen (<c>?account=</c>),
/// and how a service's refusal is shown — one message at the top and, for bad input, one next to each field.
/// </summary>
public abstract class ConsolePageModel : PageModel
{
    [BindProperty(SupportsGet = true, Name = "account")]
    public Guid? AccountId { get; set; }

    public IReadOnlyList<AccountInfo> Accounts { get; private set; } = [];

    public AccountInfo? Account { get; private set; }

    /// <summary>Shown at the top of the page when something went wrong.</summary>
    public string? Problem { get; set; }

    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A success message carried over a redirect (post → redirect → get).</summary>
    [TempData]
    public string? Notice { get; set; }

    protected ConsoleApi Api => HttpContext.RequestServices.GetRequiredService<ConsoleApi>();

    public string? ErrorFor(string field) => FieldErrors.GetValueOrDefault(field);

    /// <summary>The query string that keeps the chosen account on links.</summary>
    public string AccountQuery => Account is null ? string.Empty : $"account={Account.Id}";

    /// <summary>Loads the accounts and picks the requested one, else the first connected one, else the first.</summary>
    protected async Task<bool> LoadAccountsAsync(CancellationToken cancellationToken)
    {
        var loaded = await TryAsync(async () => Accounts = await Api.GetAsync<List<AccountInfo>>(PublicRoutes.AuthService, "/api/accounts", cancellationToken));
        Account = Accounts.FirstOrDefault(a => a.Id == AccountId)
            ?? Accounts.FirstOrDefault(a => a.IsConnected)
            ?? Accounts.FirstOrDefault();
        AccountId = Account?.Id;
        return loaded;
    }

    /// <summary>Runs a service call; a refusal becomes <see cref="Problem"/> and <see cref="FieldErrors"/>, never an error page.</summary>
    protected async Task<bool> TryAsync(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (ServiceProblem problem)
        {
            Problem = problem.Message;
            foreach (var (field, messages) in problem.Errors)
            {
                FieldErrors[field] = string.Join(" ", messages);
            }

            return false;
        }
    }

    protected RedirectResult BackTo(string path, string notice)
    {
        Notice = notice;
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return Redirect(Account is null ? path : $"{path}{separator}{AccountQuery}");
    }
}
