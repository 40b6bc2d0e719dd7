using System.Security.Cryptography;
using System.Text;
using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Data;
using GmailAutomation.AuthService.Google;
using GmailAutomation.Common.Errors;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using B64 = System.Buffers.Text.Base64Url;

namespace GmailAutomation.AuthService.OAuth;

/// <summary>The start of a flow: where to send the browser.</summary>
public sealed record AuthorizationStart(Uri AuthorizationUrl, DateTimeOffset ExpiresAt);

/// <summary>The signed-in person.</summary>
public sealed record SignedInUser(Guid Id, string Email, string? DisplayName);

/// <summary>
/// The end of a flow. After a sign-in it carries the identity token the gateway keeps in its session (also sent
/// in the <c>X-User-Identity</c> response header); after a connect, the account.
/// </summary>
public sealed record AuthCallbackResult(
    string Kind,
    SignedInUser User,
    string? IdentityToken,
    DateTimeOffset? IdentityExpiresAt,
    AccountView? Account,
    string? ReturnUrl);

/// <summary>
/// Sign-in and Gmail consent with the authorization code flow and PKCE (S256). <c>state</c> is random, single use,
/// short-lived, stored server-side with the verifier and bound both to the user who started the flow and to the
/// browser that started it (a cookie holding a nonce), so a callback link cannot be replayed or planted.
/// </summary>
public sealed partial class OAuthFlowService(
    AuthorizationStateStore states,
    GoogleOAuthClient google,
    AccountService accounts,
    AuthDbContext db,
    UserIdentityTokens identities,
    ICurrentUser currentUser,
    TimeProvider time,
    IOptions<AuthServiceOptions> options,
    IOptions<GoogleOAuthOptions> googleOptions,
    ILogger<OAuthFlowService> logger)
{
    public const string CallbackPath = "/api/auth/callback";
    public const string CookiePath = "/api/auth";
    private const string CookiePrefix = "gma_oauth_";

    public async Task<AuthorizationStart> StartAsync(HttpContext http, FlowPurpose purpose, Guid? userId, string? loginHint, string? returnUrl)
    {
        if (returnUrl is not null && !IsLocalUrl(returnUrl))
        {
            throw new ValidationException("returnUrl", "returnUrl must be a path on this site, such as /accounts.");
        }

        if (loginHint is { Length: > 320 })
        {
            throw new ValidationException("loginHint", "loginHint must be an email address.");
        }

        var state = AuthorizationStateStore.NewRandom();
        var verifier = AuthorizationStateStore.NewRandom();
        var challenge = B64.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var nonce = AuthorizationStateStore.NewRandom();
        var redirectUri = googleOptions.Value.RedirectUri ?? new Uri($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{CallbackPath}");
        var now = time.GetUtcNow();
        var lifetime = options.Value.StateLifetime;

        await states.SaveAsync(state, new PendingAuthorization(purpose, userId, verifier, redirectUri, returnUrl, AuthorizationStateStore.Hash(nonce), now), lifetime);
        http.Response.Cookies.Append(CookieName(state), nonce, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            // Lax: the cookie comes back on Google's top-level redirect to the callback, not on cross-site posts.
            SameSite = SameSiteMode.Lax,
            Path = CookiePath,
            MaxAge = lifetime,
            IsEssential = true,
        });

        var scopes = purpose == FlowPurpose.SignIn ? GoogleScopes.SignIn : GoogleScopes.Connect;
        var url = google.BuildAuthorizationUri(redirectUri, scopes, state, challenge, offline: purpose != FlowPurpose.SignIn, loginHint);
        LogStarted(purpose);
        return new AuthorizationStart(url, now + lifetime);
    }

    public async Task<AuthCallbackResult> CompleteAsync(HttpContext http, string? state, string? code, string? error, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(state))
        {
            throw new ValidationException("state", "The callback has no state: start signing in or connecting again.");
        }

        // Taken (deleted) first, whatever happens next: a state is good for exactly one callback.
        var pending = await states.TakeAsync(state)
            ?? throw new ValidationException("state", "This sign-in link is unknown, expired or was already used: start again.");
        var cookieName = CookieName(state);
        var nonce = http.Request.Cookies[cookieName];
        http.Response.Cookies.Delete(cookieName, new CookieOptions { Path = CookiePath });
        if (nonce is null || !CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(AuthorizationStateStore.Hash(nonce)), Encoding.ASCII.GetBytes(pending.BrowserBinding)))
        {
            throw new ValidationException("state", "This sign-in was started in another browser: start again here.");
        }

        if (pending.UserId is { } starter && currentUser.Identity is { } signedIn && signedIn.UserId != starter)
        {
            throw new AuthenticationException("This connect flow was started by another user.");
        }

        if (!string.IsNullOrEmpty(error))
        {
            LogDenied(pending.Purpose, error);
            throw new AuthenticationException(error == "access_denied"
                    ? "Access was not granted at Google, so nothing was connected."
                    : $"Google ended the sign-in with '{error}'.")
                .With("error", error);
        }

        if (string.IsNullOrEmpty(code))
        {
            throw new ValidationException("code", "The callback has neither a code nor an error.");
        }

        var granted = await google.ExchangeCodeAsync(code, pending.RedirectUri, pending.CodeVerifier, cancellationToken);
        var identity = await google.IdentifyAsync(granted, cancellationToken);

        if (pending.Purpose == FlowPurpose.SignIn)
        {
            var user = await SignInAsync(identity, cancellationToken);
            return SignedIn("signin", user, account: null, pending.ReturnUrl);
        }

        CheckConnectGrant(granted);
        if (pending.Purpose == FlowPurpose.SignInAndConnect)
        {
            var user = await SignInAsync(identity, cancellationToken);
            var account = await accounts.ConnectAsync(user.Id, identity, granted, cancellationToken);
            return SignedIn("signin-connect", user, AccountView.Of(account), pending.ReturnUrl);
        }

        var ownerId = pending.UserId ?? throw new InvalidOperationException("A connect flow always names its user.");
        var owner = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == ownerId, cancellationToken)
            ?? throw new AuthenticationException("The user who started this connect flow no longer exists.");
        var connected = await accounts.ConnectAsync(ownerId, identity, granted, cancellationToken);
        return new AuthCallbackResult("connect", new SignedInUser(owner.Id, owner.Email, owner.DisplayName), null, null, AccountView.Of(connected), pending.ReturnUrl);
    }

    /// <summary>Only paths on this site: no scheme, no host, no protocol-relative <c>//host</c> or <c>/\host</c>.</summary>
    public static bool IsLocalUrl(string url) =>
        url.Length > 0 && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl);

    private static string CookieName(string state) => CookiePrefix + AuthorizationStateStore.Hash(state)[..16];

    internal static void CheckConnectGrant(GoogleTokens granted)
    {
        var missing = GoogleScopes.MissingGmailScopes(granted.Scopes);
        if (missing.Count > 0)
        {
            throw new ValidationException("scope", $"Gmail access was only partly granted; allow all requested permissions. Missing: {string.Join(", ", missing)}.");
        }

        if (string.IsNullOrEmpty(granted.RefreshToken))
        {
            throw new ExternalServiceException(
                GoogleOAuthClient.ServiceName,
                "Google returned no refresh token, so the account could not be connected for offline access; connect it again",
                reason: "missing_refresh_token");
        }
    }

    private async Task<User> SignInAsync(GoogleIdentity identity, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var user = await db.Users.SingleOrDefaultAsync(u => u.GoogleSubject == identity.Subject, cancellationToken);
        if (user is null)
        {
            user = new User { Id = Guid.NewGuid(), GoogleSubject = identity.Subject, Email = identity.Email, CreatedAt = now };
            db.Users.Add(user);
        }

        user.Email = identity.Email;
        user.DisplayName = identity.Name ?? user.DisplayName;
        user.LastSignInAt = now;
        await db.SaveChangesAsync(cancellationToken);
        LogSignedIn(user.Id);
        return user;
    }

    private AuthCallbackResult SignedIn(string kind, User user, AccountView? account, string? returnUrl)
    {
        var token = identities.Issue(user.Id, user.Email);
        var expiresAt = identities.Validate(token)?.ExpiresAt;
        return new AuthCallbackResult(kind, new SignedInUser(user.Id, user.Email, user.DisplayName), token, expiresAt, account, returnUrl);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started a {Purpose} flow")]
    private partial void LogStarted(FlowPurpose purpose);

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Purpose} flow ended at Google with {Error}")]
    private partial void LogDenied(FlowPurpose purpose, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} signed in")]
    private partial void LogSignedIn(Guid userId);
}
