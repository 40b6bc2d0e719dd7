using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.OAuth;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.AuthService.Apis;

/// <summary>The signed-in user's Gmail accounts and their preferences. Other users' accounts answer 404.</summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/accounts").WithTags("Accounts").RequireUser();

        accounts.MapGet("/", List).WithName("ListAccounts").WithSummary("The user's connected accounts with their preferences.");
        accounts.MapGet("/connect", ConnectRedirect).WithName("ConnectAccountRedirect")
            .WithSummary("Sends the browser to Google to connect a Gmail account (offline access, consent screen).");
        accounts.MapPost("/connect", Connect).WithName("ConnectAccount")
            .WithSummary("Starts connecting a Gmail account and returns the URL to send the browser to.");
        accounts.MapGet("/{accountId:guid}", Get).WithName("GetAccount").WithSummary("One account with its preferences.");
        accounts.MapDelete("/{accountId:guid}", Disconnect).WithName("DisconnectAccount")
            .WithSummary("Revokes access at Google, deletes the tokens and stops all work for the account.");
        accounts.MapGet("/{accountId:guid}/preferences", GetPreferences).WithName("GetPreferences").WithSummary("The account's preferences.");
        accounts.MapPut("/{accountId:guid}/preferences", UpdatePreferences).WithName("UpdatePreferences")
            .WithSummary("Changes preferences; fields left out keep their value. Bad values answer 400 naming the field.");

        return app;
    }

    public static async Task<Ok<IReadOnlyList<AccountView>>> List(ICurrentUser user, AccountService accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await accounts.ListAsync(user.UserId, cancellationToken));

    public static async Task<RedirectHttpResult> ConnectRedirect(
        HttpContext http, ICurrentUser user, OAuthFlowService flows, string? loginHint = null, string? returnUrl = null)
    {
        var start = await flows.StartAsync(http, FlowPurpose.Connect, user.UserId, loginHint, returnUrl);
        return TypedResults.Redirect(start.AuthorizationUrl.AbsoluteUri);
    }

    public static async Task<Ok<AuthorizationStart>> Connect(HttpContext http, ICurrentUser user, OAuthFlowService flows, ConnectRequest? request)
    {
        var start = await flows.StartAsync(http, FlowPurpose.Connect, user.UserId, request?.LoginHint, request?.ReturnUrl);
        return TypedResults.Ok(start);
    }

    public static async Task<Ok<AccountView>> Get(Guid accountId, ICurrentUser user, AccountService accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok(AccountView.Of(await accounts.GetOwnedAsync(user.UserId, accountId, cancellationToken)));

    public static async Task<Ok<DisconnectResult>> Disconnect(Guid accountId, ICurrentUser user, AccountService accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await accounts.DisconnectAsync(user.UserId, accountId, cancellationToken));

    public static async Task<Ok<PreferencesView>> GetPreferences(Guid accountId, ICurrentUser user, AccountService accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok(PreferencesView.Of((await accounts.GetOwnedAsync(user.UserId, accountId, cancellationToken)).Preferences));

    public static async Task<Ok<PreferencesView>> UpdatePreferences(
        Guid accountId, PreferencesUpdate update, ICurrentUser user, AccountService accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await accounts.UpdatePreferencesAsync(user.UserId, accountId, update, cancellationToken));
}

/// <summary>Options of a connect: which address to preselect at Google and where to go afterwards.</summary>
public sealed record ConnectRequest(string? LoginHint, string? ReturnUrl);
