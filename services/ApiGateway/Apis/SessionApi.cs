using GmailAutomation.ApiGateway.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.ApiGateway.Apis;

/// <summary>
/// The caller's session: who is signed in and the anti-forgery token state changes need; sign-out.
/// Signing in itself is the auth-service's flow, forwarded: <c>GET /api/auth/signin</c>.
/// </summary>
public static class SessionApi
{
    public static IEndpointRouteBuilder MapSessionApi(this IEndpointRouteBuilder app)
    {
        var session = app.MapGroup("/api/session").WithTags("Session").RequireAuthorization();
        session.MapGet("/", Get).WithName("GetSession")
            .WithSummary("The signed-in user (session cookie or API token) and, for sessions, the anti-forgery token to send in X-XSRF-TOKEN.");
        session.MapPost("/signout", SignOut).WithName("SignOut").WithSummary("Ends the cookie session.");
        return app;
    }

    public static Ok<SessionView> Get(HttpContext http, IAntiforgery antiforgery)
    {
        var caller = GatewayCaller.Require(http.User);
        var antiforgeryToken = caller.IsSession ? antiforgery.GetAndStoreTokens(http).RequestToken : null;
        return TypedResults.Ok(new SessionView(caller.UserId, caller.Email, caller.IsSession ? "session" : "api-token", caller.ApiTokenId, antiforgeryToken));
    }

    public static async Task<NoContent> SignOut(HttpContext http, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }
}

/// <summary>Who is calling and how.</summary>
public sealed record SessionView(Guid UserId, string Email, string Via, Guid? ApiTokenId, string? AntiforgeryToken);
