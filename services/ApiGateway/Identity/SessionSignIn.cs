using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Yarp.ReverseProxy.Transforms;

namespace GmailAutomation.ApiGateway.Identity;

/// <summary>
/// Turns a finished Google sign-in into a gateway session. The browser goes through the auth-service's own flow
/// (<c>/api/auth/signin</c> → Google → <c>/api/auth/callback</c>, all forwarded); the auth-service answers the
/// callback with the user's identity token in <c>X-User-Identity</c>. The gateway checks that token's signature
/// (only services hold the key, so only the auth-service can have made it), starts the cookie session from it and
/// removes it from the answer, so the browser never holds a token that services would accept.
/// </summary>
public static partial class SessionSignIn
{
    public const string SignInPath = "/api/auth/signin";
    public const string CallbackPath = "/api/auth/callback";

    /// <summary>Where the browser lands after signing in when the caller named no page.</summary>
    public const string DefaultReturnPath = "/api/session";

    /// <summary>
    /// Sign-in through the gateway always ends in a redirect (never a JSON body carrying the identity token):
    /// a sign-in without <c>returnUrl</c> gets <see cref="DefaultReturnPath"/>.
    /// </summary>
    public static void DefaultReturnUrl(RequestTransformContext transform)
    {
        if (!transform.Query.Collection.TryGetValue("returnUrl", out var value) || string.IsNullOrEmpty(value))
        {
            transform.Query.Collection["returnUrl"] = DefaultReturnPath;
        }
    }

    public static async Task StartSessionAsync(HttpContext http, string? identityToken)
    {
        var tokens = http.RequestServices.GetRequiredService<UserIdentityTokens>();
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SessionSignIn));
        if (tokens.Validate(identityToken) is not { } identity)
        {
            LogRejected(logger);
            return;
        }

        var principal = GatewayCaller.Principal(identity.UserId, identity.Email, CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties
        {
            IsPersistent = true,
            ExpiresUtc = identity.ExpiresAt,
            AllowRefresh = false,
        });
        LogStarted(logger, identity.UserId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session started for user {UserId}")]
    private static partial void LogStarted(ILogger logger, Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sign-in callback carried an identity token that does not verify; no session started")]
    private static partial void LogRejected(ILogger logger);
}
