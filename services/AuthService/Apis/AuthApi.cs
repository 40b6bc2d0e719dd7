using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.OAuth;
using GmailAutomation.Common.Correlation;
using GmailAutomation.Common.Errors;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.AuthService.Apis;

/// <summary>Sign-in with Google and the OAuth callback shared by sign-in and connect.</summary>
public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Sign-in");

        auth.MapGet("/signin", SignIn).WithName("SignIn")
            .WithSummary("Starts signing in with Google (openid email); with connectGmail=true the same consent also connects that Gmail account.");
        auth.MapGet("/callback", Callback).WithName("OAuthCallback")
            .WithSummary("Google's redirect back: completes a sign-in or a connect. Sign-in answers carry the identity token (body and X-User-Identity header).");
        auth.MapGet("/me", Me).WithName("CurrentUser").WithSummary("The signed-in user and their accounts.").RequireUser();

        return app;
    }

    public static async Task<RedirectHttpResult> SignIn(
        HttpContext http, OAuthFlowService flows, string? returnUrl = null, string? loginHint = null, bool connectGmail = false)
    {
        var start = await flows.StartAsync(http, connectGmail ? FlowPurpose.SignInAndConnect : FlowPurpose.SignIn, userId: null, loginHint, returnUrl);
        return TypedResults.Redirect(start.AuthorizationUrl.AbsoluteUri);
    }

    public static async Task<Results<Ok<AuthCallbackResult>, RedirectHttpResult, ContentHttpResult>> Callback(
        HttpContext http, OAuthFlowService flows, CancellationToken cancellationToken, string? state = null, string? code = null, string? error = null)
    {
        AuthCallbackResult result;
        try
        {
            result = await flows.CompleteAsync(http, state, code, error, cancellationToken);
        }
        catch (GmailAutomationException failure) when (ErrorPage.IsWantedBy(http.Request))
        {
            // A person's browser followed Google's redirect: show a page, not JSON.
            return (ContentHttpResult)ErrorPage.Render(failure, CorrelationId.Current);
        }

        if (result.IdentityToken is not null)
        {
            http.Response.Headers[UserIdentityTokens.HeaderName] = result.IdentityToken;
        }

        return result.ReturnUrl is not null ? TypedResults.Redirect(result.ReturnUrl) : TypedResults.Ok(result);
    }

    public static async Task<Ok<CurrentUserView>> Me(ICurrentUser user, AccountService accounts, CancellationToken cancellationToken)
    {
        var identity = user.RequireIdentity();
        return TypedResults.Ok(new CurrentUserView(identity.UserId, identity.Email, identity.ExpiresAt, await accounts.ListAsync(identity.UserId, cancellationToken)));
    }
}

/// <summary>The signed-in user, when their identity expires, and their accounts.</summary>
public sealed record CurrentUserView(Guid Id, string Email, DateTimeOffset IdentityExpiresAt, IReadOnlyList<AccountView> Accounts);
