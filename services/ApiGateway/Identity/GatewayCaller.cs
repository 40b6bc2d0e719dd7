using System.Security.Claims;

namespace GmailAutomation.ApiGateway.Identity;

/// <summary>
/// The verified caller of a request: a person with a session cookie, or a script with one of that person's
/// API tokens (<see cref="ApiTokenId"/> set). Built from the principal the gateway's authentication produced.
/// </summary>
public sealed record GatewayCaller(Guid UserId, string Email, Guid? ApiTokenId)
{
    public const string UserIdClaim = "sub";
    public const string EmailClaim = "email";
    public const string ApiTokenClaim = "api_token";

    public bool IsSession => ApiTokenId is null;

    public static GatewayCaller? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true
            || !Guid.TryParse(principal.FindFirstValue(UserIdClaim), out var userId)
            || principal.FindFirstValue(EmailClaim) is not { Length: > 0 } email)
        {
            return null;
        }

        Guid? tokenId = Guid.TryParse(principal.FindFirstValue(ApiTokenClaim), out var id) ? id : null;
        return new GatewayCaller(userId, email, tokenId);
    }

    /// <summary>The caller of an endpoint that requires authorization; a 401 if somehow absent.</summary>
    public static GatewayCaller Require(ClaimsPrincipal principal) =>
        From(principal) ?? throw new Common.Errors.AuthenticationException("Sign in first, or send an API token as 'Authorization: Bearer …'.");

    public static ClaimsPrincipal Principal(Guid userId, string email, string authenticationType, Guid? apiTokenId = null)
    {
        var claims = new List<Claim> { new(UserIdClaim, userId.ToString()), new(EmailClaim, email) };
        if (apiTokenId is { } token)
        {
            claims.Add(new Claim(ApiTokenClaim, token.ToString()));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, EmailClaim, null));
    }
}

/// <summary>Names of the cookies the gateway itself sets; they are never forwarded to a service.</summary>
public static class GatewayCookies
{
    public const string Session = "gma_session";
    public const string Antiforgery = "gma_xsrf";

    /// <summary>The web console's one-time notices ("Saved.") carried over a redirect.</summary>
    public const string Notice = "gma_notice";

    public static bool IsGatewayCookie(string name) =>
        name.StartsWith(Session, StringComparison.Ordinal) || name.StartsWith(Antiforgery, StringComparison.Ordinal)
        || name.StartsWith(Notice, StringComparison.Ordinal);
}
