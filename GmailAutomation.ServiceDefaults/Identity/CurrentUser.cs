using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Http;

namespace GmailAutomation.ServiceDefaults.Identity;

/// <summary>The signed-in person of the current request, as the gateway vouched for them.</summary>
public interface ICurrentUser
{
    /// <summary>The verified identity, or null when the request carries none (or a forged or expired one).</summary>
    UserIdentity? Identity { get; }

    bool IsAuthenticated => Identity is not null;

    /// <summary>The user's id; throws <see cref="AuthenticationException"/> (401) when nobody is signed in.</summary>
    Guid UserId => RequireIdentity().UserId;

    /// <summary>The user's sign-in address; throws <see cref="AuthenticationException"/> (401) when nobody is signed in.</summary>
    string Email => RequireIdentity().Email;

    UserIdentity RequireIdentity() =>
        Identity ?? throw new AuthenticationException($"Sign in first: the request carries no valid {UserIdentityTokens.HeaderName} identity.");
}

/// <summary>Reads and checks the identity header once per request.</summary>
public sealed class HttpCurrentUser(IHttpContextAccessor accessor, UserIdentityTokens tokens) : ICurrentUser
{
    private static readonly object s_itemKey = new();

    public UserIdentity? Identity
    {
        get
        {
            var context = accessor.HttpContext;
            if (context is null)
            {
                return null;
            }

            if (context.Items.TryGetValue(s_itemKey, out var cached))
            {
                return cached as UserIdentity;
            }

            var identity = tokens.Validate(context.Request.Headers[UserIdentityTokens.HeaderName].ToString());
            context.Items[s_itemKey] = identity;
            return identity;
        }
    }
}
