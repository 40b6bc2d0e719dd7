using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.ServiceDefaults.Identity;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace GmailAutomation.ApiGateway.Proxy;

/// <summary>
/// What every forwarded request and answer goes through. Whatever identity or key the caller sent is dropped
/// (<c>X-User-Identity</c>, <c>X-Service-Key</c>, <c>Authorization</c>, the gateway's own cookies); the
/// gateway then vouches for the verified caller with a freshly signed <c>X-User-Identity</c>. Answers never
/// carry an identity token back out: the one the auth-service returns after sign-in becomes the session cookie.
/// </summary>
public static class IdentityForwarding
{
    /// <summary>Headers a caller may never pass on to a service.</summary>
    public static IReadOnlyList<string> StrippedRequestHeaders { get; } =
        [UserIdentityTokens.HeaderName, ServiceKeyAuthentication.HeaderName, "Authorization", "Proxy-Authorization"];

    public static void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(ForwardIdentity);
        context.AddResponseTransform(HandleAnswer);
    }

    private static ValueTask ForwardIdentity(RequestTransformContext transform)
    {
        var headers = transform.ProxyRequest.Headers;
        foreach (var name in StrippedRequestHeaders)
        {
            headers.Remove(name);
        }

        RewriteCookies(transform);

        var http = transform.HttpContext;
        if (GatewayCaller.From(http.User) is { } caller)
        {
            var tokens = http.RequestServices.GetRequiredService<UserIdentityTokens>();
            headers.TryAddWithoutValidation(UserIdentityTokens.HeaderName, tokens.Issue(caller.UserId, caller.Email));
        }

        if (http.Request.Path.Equals(SessionSignIn.SignInPath, StringComparison.OrdinalIgnoreCase))
        {
            SessionSignIn.DefaultReturnUrl(transform);
        }

        return ValueTask.CompletedTask;
    }

    private static async ValueTask HandleAnswer(ResponseTransformContext transform)
    {
        var http = transform.HttpContext;
        if (transform.ProxyResponse is { } answer
            && answer.Headers.TryGetValues(UserIdentityTokens.HeaderName, out var issued)
            && http.Request.Path.Equals(SessionSignIn.CallbackPath, StringComparison.OrdinalIgnoreCase))
        {
            await SessionSignIn.StartSessionAsync(http, issued.FirstOrDefault());
        }

        http.Response.Headers.Remove(UserIdentityTokens.HeaderName);
    }

    /// <summary>Services get the browser's cookies (the auth-service's OAuth nonce) but never the gateway's session or anti-forgery cookie.</summary>
    private static void RewriteCookies(RequestTransformContext transform)
    {
        var headers = transform.ProxyRequest.Headers;
        if (!headers.TryGetValues("Cookie", out var values))
        {
            return;
        }

        var kept = values
            .SelectMany(v => v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(pair => !GatewayCookies.IsGatewayCookie(pair.Split('=', 2)[0]))
            .ToList();
        headers.Remove("Cookie");
        if (kept.Count > 0)
        {
            headers.TryAddWithoutValidation("Cookie", string.Join("; ", kept));
        }
    }
}
