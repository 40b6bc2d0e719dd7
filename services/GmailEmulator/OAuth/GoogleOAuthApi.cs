using System.Net.Mail;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace GmailAutomation.GmailEmulator.OAuth;

/// <summary>
/// Google's OAuth 2.0 / OpenID Connect endpoints, on the paths Google serves them (API-SUBSET §13):
/// authorize with a consent page, token, revoke, userinfo, tokeninfo, JWKS and the discovery document.
/// </summary>
public static class GoogleOAuthApi
{
    private const string HtmlContentType = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapGoogleOAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var oauth = app.MapGroup(string.Empty).WithTags("Google OAuth 2.0");

        oauth.MapGet("/o/oauth2/v2/auth", Authorize).WithName("OAuthAuthorize").WithSummary("Starts an authorization: shows the consent page or redirects with a code.");
        oauth.MapGet("/o/oauth2/auth", Authorize).WithName("OAuthAuthorizeLegacy").WithSummary("Legacy path of the authorize endpoint.");
        oauth.MapPost(ConsentPage.ConsentPath, AnswerConsent).WithName("OAuthConsent").WithSummary("The consent page's Allow / Deny answer.").DisableAntiforgery();

        foreach (var (path, name) in new[] { ("/token", "OAuthToken"), ("/oauth2/v4/token", "OAuthTokenV4"), ("/o/oauth2/token", "OAuthTokenLegacy") })
        {
            oauth.MapPost(path, Token).WithName(name).WithSummary("Exchanges an authorization code or a refresh token for an access token.").DisableAntiforgery();
        }

        oauth.MapPost("/revoke", Revoke).WithName("OAuthRevoke").WithSummary("Revokes an access or refresh token.").DisableAntiforgery();
        oauth.MapPost("/o/oauth2/revoke", Revoke).WithName("OAuthRevokeLegacyPost").WithSummary("Legacy path of the revoke endpoint.").DisableAntiforgery();
        oauth.MapGet("/o/oauth2/revoke", Revoke).WithName("OAuthRevokeLegacy").WithSummary("Legacy revoke with ?token=.");

        oauth.MapMethods("/oauth2/v3/userinfo", ["GET", "POST"], UserInfo).WithName("OAuthUserInfo").WithSummary("OpenID Connect user info of the token's account.");
        oauth.MapMethods("/v1/userinfo", ["GET", "POST"], UserInfo).WithName("OAuthUserInfoOpenIdConnect").WithSummary("OpenID Connect user info (openidconnect.googleapis.com path).");
        oauth.MapGet("/oauth2/v2/userinfo", UserInfoV2).WithName("OAuthUserInfoV2").WithSummary("The older userinfo shape (id, verified_email).");
        oauth.MapMethods("/oauth2/v3/tokeninfo", ["GET", "POST"], TokenInfo).WithName("OAuthTokenInfo").WithSummary("Describes an access token.").DisableAntiforgery();
        oauth.MapGet("/oauth2/v3/certs", Certs).WithName("OAuthCerts").WithSummary("The public keys that sign id_tokens (JWKS).");
        oauth.MapGet("/.well-known/openid-configuration", Discovery).WithName("OpenIdConfiguration").WithSummary("OpenID Connect discovery document.");

        return app;
    }

    public static Results<ContentHttpResult, RedirectHttpResult> Authorize(
        HttpContext context,
        OAuthClientRegistry clients,
        OAuthGrantStore store,
        IOptions<OAuthEmulatorOptions> options,
        IEnumerable<IAccountProvisioner> provisioners)
    {
        ConsentPage.ApplyHeaders(context.Response);
        var query = context.Request.Query;
        var clientId = Single(query, "client_id");
        if (clientId is null)
        {
            return ErrorPage(400, "invalid_request", "Missing required parameter: client_id");
        }

        var client = clients.Find(clientId);
        if (client is null)
        {
            return ErrorPage(401, "invalid_client", "The OAuth client was not found.");
        }

        var redirectUri = Single(query, "redirect_uri");
        if (redirectUri is null)
        {
            return ErrorPage(400, "invalid_request", "Missing required parameter: redirect_uri");
        }

        if (!client.AcceptsRedirectUri(redirectUri))
        {
            return ErrorPage(400, "redirect_uri_mismatch",
                $"You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. Request details: redirect_uri={redirectUri}");
        }

        var (request, error) = ParseAuthorizationRequest(query, client, redirectUri);
        if (request is null)
        {
            return ErrorPage(400, error!.Value.Error, error.Value.Description);
        }

        var loginHint = request.LoginHint is { } hint && IsEmailAddress(hint) ? OAuthGrantStore.Normalize(hint) : null;
        if (request.Prompt.Contains("none"))
        {
            // No session cookies here: the hinted account stands in for "the signed-in user".
            if (loginHint is null)
            {
                return RedirectWithError(request, "login_required");
            }

            if (store.NeedsConsent(loginHint, request))
            {
                return RedirectWithError(request, "consent_required");
            }

            return Grant(loginHint, request, store, provisioners);
        }

        if (options.Value.AutoApprove && loginHint is not null)
        {
            return Grant(loginHint, request, store, provisioners);
        }

        var consentId = store.HoldForConsent(request);
        return TypedResults.Content(ConsentPage.Render(consentId, request, loginHint, error: null), HtmlContentType, Encoding.UTF8, 200);
    }

    public static async Task<Results<ContentHttpResult, RedirectHttpResult>> AnswerConsent(
        HttpContext context,
        OAuthGrantStore store,
        IEnumerable<IAccountProvisioner> provisioners)
    {
        ConsentPage.ApplyHeaders(context.Response);
        if (!context.Request.HasFormContentType)
        {
            return ErrorPage(400, "invalid_request", "The consent answer must be a form post.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var request = store.TakeConsent(Single(form, "consent_request"));
        if (request is null)
        {
            // Unknown, expired or already answered: a replayed form post must not mint a second code.
            return ErrorPage(400, "invalid_request", "This sign-in page has expired or was already used. Start again from the application.");
        }

        switch (Single(form, "decision"))
        {
            case "deny":
                return RedirectWithError(request, "access_denied");
            case "allow":
                var email = Single(form, "email");
                if (email is null || !IsEmailAddress(email))
                {
                    var retryId = store.HoldForConsent(request);
                    return TypedResults.Content(
                        ConsentPage.Render(retryId, request, email, "Enter a valid email address."), HtmlContentType, Encoding.UTF8, 400);
                }

                return Grant(OAuthGrantStore.Normalize(email), request, store, provisioners);
            default:
                return ErrorPage(400, "invalid_request", "Choose Allow or Deny.");
        }
    }

    public static async Task<Results<Ok<TokenResponse>, JsonHttpResult<OAuthErrorResponse>>> Token(
        HttpContext context,
        OAuthClientRegistry clients,
        OAuthGrantStore store,
        IdTokenIssuer idTokens,
        IOptions<OAuthEmulatorOptions> options)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        try
        {
            var parameters = await ReadParametersAsync(context.Request, context.RequestAborted);
            var grantType = parameters.GetValueOrDefault("grant_type") ?? throw OAuthProtocolException.MissingParameter("grant_type");
            if (grantType is not ("authorization_code" or "refresh_token"))
            {
                throw new OAuthProtocolException(400, "unsupported_grant_type", $"Invalid grant_type: {grantType}");
            }

            var client = Authenticate(context.Request, parameters, clients);
            var issued = grantType == "authorization_code"
                ? store.RedeemCode(
                    client,
                    parameters.GetValueOrDefault("code") ?? throw OAuthProtocolException.MissingParameter("code"),
                    parameters.GetValueOrDefault("redirect_uri") ?? throw OAuthProtocolException.MissingParameter("redirect_uri"),
                    parameters.GetValueOrDefault("code_verifier"))
                : store.Refresh(
                    client,
                    parameters.GetValueOrDefault("refresh_token") ?? throw OAuthProtocolException.MissingParameter("refresh_token"),
                    parameters.TryGetValue("scope", out var scope) ? GoogleScopes.Parse(scope).Scopes : null);

            var idToken = issued.Scopes.Any(GoogleScopes.IsIdentityScope) ? idTokens.Create(IssuerOf(context, options.Value), issued) : null;
            return TypedResults.Ok(new TokenResponse(issued.AccessToken, issued.ExpiresIn, issued.RefreshToken, GoogleScopes.Join(issued.Scopes), "Bearer", idToken));
        }
        catch (OAuthProtocolException e)
        {
            return TypedResults.Json(new OAuthErrorResponse(e.Error, e.Description), statusCode: e.StatusCode);
        }
    }

    public static async Task<Results<Ok, JsonHttpResult<OAuthErrorResponse>>> Revoke(HttpContext context, OAuthGrantStore store)
    {
        string? token = Single(context.Request.Query, "token");
        if (token is null && HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            token = Single(await context.Request.ReadFormAsync(context.RequestAborted), "token");
        }

        if (token is null)
        {
            return TypedResults.Json(new OAuthErrorResponse("invalid_request", "Missing required parameter: token"), statusCode: 400);
        }

        return store.Revoke(token)
            ? TypedResults.Ok()
            : TypedResults.Json(new OAuthErrorResponse("invalid_token", "Token expired or revoked"), statusCode: 400);
    }

    public static Results<Ok<JsonObject>, JsonHttpResult<OAuthErrorResponse>> UserInfo(HttpContext context, OAuthGrantStore store)
    {
        var grant = BearerGrant(context, store);
        if (grant is null)
        {
            return InvalidCredentials(context);
        }

        var info = new JsonObject { ["sub"] = IdTokenIssuer.SubjectOf(grant.Email) };
        if (grant.Scopes.Contains(GoogleScopes.Profile))
        {
            info["name"] = IdTokenIssuer.DisplayNameOf(grant.Email);
        }

        if (grant.Scopes.Contains(GoogleScopes.Email))
        {
            info["email"] = grant.Email;
            info["email_verified"] = true;
        }

        return TypedResults.Ok(info);
    }

    public static Results<Ok<JsonObject>, JsonHttpResult<OAuthErrorResponse>> UserInfoV2(HttpContext context, OAuthGrantStore store)
    {
        var grant = BearerGrant(context, store);
        if (grant is null)
        {
            return InvalidCredentials(context);
        }

        var info = new JsonObject { ["id"] = IdTokenIssuer.SubjectOf(grant.Email) };
        if (grant.Scopes.Contains(GoogleScopes.Email))
        {
            info["email"] = grant.Email;
            info["verified_email"] = true;
        }

        if (grant.Scopes.Contains(GoogleScopes.Profile))
        {
            info["name"] = IdTokenIssuer.DisplayNameOf(grant.Email);
        }

        return TypedResults.Ok(info);
    }

    public static async Task<Results<Ok<JsonObject>, JsonHttpResult<OAuthErrorResponse>>> TokenInfo(HttpContext context, OAuthGrantStore store, TimeProvider time)
    {
        var token = Single(context.Request.Query, "access_token");
        if (token is null && HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            token = Single(await context.Request.ReadFormAsync(context.RequestAborted), "access_token");
        }

        var details = token is null ? null : store.Describe(token);
        if (details is null)
        {
            return TypedResults.Json(new OAuthErrorResponse("invalid_token", "Invalid Value"), statusCode: 400);
        }

        var info = new JsonObject
        {
            ["azp"] = details.ClientId,
            ["aud"] = details.ClientId,
            ["sub"] = IdTokenIssuer.SubjectOf(details.Grant.Email),
            ["scope"] = GoogleScopes.Join(details.Grant.Scopes.Order(StringComparer.Ordinal)),
            ["exp"] = details.Grant.ExpiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["expires_in"] = Math.Max(0, (long)(details.Grant.ExpiresAt - time.GetUtcNow()).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["access_type"] = details.Offline ? "offline" : "online",
        };
        if (details.Grant.Scopes.Contains(GoogleScopes.Email))
        {
            info["email"] = details.Grant.Email;
            info["email_verified"] = "true";
        }

        return TypedResults.Ok(info);
    }

    public static Ok<JsonObject> Certs(IdTokenIssuer idTokens) => TypedResults.Ok(idTokens.Jwks());

    public static Ok<JsonObject> Discovery(HttpContext context, IOptions<OAuthEmulatorOptions> options)
    {
        var issuer = IssuerOf(context, options.Value);
        var origin = $"{context.Request.Scheme}://{context.Request.Host}";
        return TypedResults.Ok(new JsonObject
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = origin + "/o/oauth2/v2/auth",
            ["token_endpoint"] = origin + "/token",
            ["userinfo_endpoint"] = origin + "/v1/userinfo",
            ["revocation_endpoint"] = origin + "/revoke",
            ["jwks_uri"] = origin + "/oauth2/v3/certs",
            ["response_types_supported"] = new JsonArray("code"),
            ["subject_types_supported"] = new JsonArray("public"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["scopes_supported"] = new JsonArray("openid", "email", "profile"),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "client_secret_basic"),
            ["claims_supported"] = new JsonArray("aud", "email", "email_verified", "exp", "iat", "iss", "name", "sub", "at_hash", "nonce", "azp"),
            ["code_challenge_methods_supported"] = new JsonArray("plain", "S256"),
            ["grant_types_supported"] = new JsonArray("authorization_code", "refresh_token"),
        });
    }

    /// <summary>The issuer of id_tokens: configured, or the origin this request came in on.</summary>
    public static string IssuerOf(HttpContext context, OAuthEmulatorOptions options) =>
        string.IsNullOrWhiteSpace(options.Issuer) ? $"{context.Request.Scheme}://{context.Request.Host}" : options.Issuer.TrimEnd('/');

    private static (AuthorizationRequest? Request, (string Error, string Description)? Error) ParseAuthorizationRequest(
        IQueryCollection query, OAuthClient client, string redirectUri)
    {
        var responseType = Single(query, "response_type");
        if (responseType is null)
        {
            return (null, ("invalid_request", "Required parameter is missing: response_type"));
        }

        if (responseType != "code")
        {
            return (null, ("unsupported_response_type", $"Invalid response_type: {responseType}"));
        }

        var scopeParameter = Single(query, "scope");
        if (scopeParameter is null)
        {
            return (null, ("invalid_request", "Missing required parameter: scope"));
        }

        var (scopes, unknown) = GoogleScopes.Parse(scopeParameter);
        if (unknown.Count > 0 || scopes.Count == 0)
        {
            return (null, ("invalid_scope", $"Some requested scopes were invalid. {{invalid=[{string.Join(", ", unknown)}]}}"));
        }

        var accessType = Single(query, "access_type") ?? "online";
        if (accessType is not ("online" or "offline"))
        {
            return (null, ("invalid_request", $"Invalid access_type: {accessType}"));
        }

        var prompt = (Single(query, "prompt") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (prompt.Any(p => p is not ("none" or "consent" or "select_account")) || (prompt.Contains("none") && prompt.Count > 1))
        {
            return (null, ("invalid_request", $"Invalid prompt: {Single(query, "prompt")}"));
        }

        var challenge = Single(query, "code_challenge");
        var method = Single(query, "code_challenge_method") ?? "plain";
        if (challenge is not null)
        {
            if (method is not ("S256" or "plain"))
            {
                return (null, ("invalid_request", "Invalid code_challenge_method value."));
            }

            if (!Pkce.IsValidChallengeOrVerifier(challenge))
            {
                return (null, ("invalid_request", "Invalid code_challenge."));
            }
        }

        var request = new AuthorizationRequest(
            client,
            redirectUri,
            scopes,
            Single(query, "state"),
            Offline: accessType == "offline",
            prompt,
            Single(query, "login_hint"),
            challenge,
            method,
            IncludeGrantedScopes: string.Equals(Single(query, "include_granted_scopes"), "true", StringComparison.OrdinalIgnoreCase),
            Single(query, "nonce"));
        return (request, null);
    }

    private static RedirectHttpResult Grant(string email, AuthorizationRequest request, OAuthGrantStore store, IEnumerable<IAccountProvisioner> provisioners)
    {
        foreach (var provisioner in provisioners)
        {
            provisioner.EnsureMailbox(email);
        }

        var (code, granted) = store.Approve(email, request);
        var parameters = new List<KeyValuePair<string, string?>>();
        if (request.State is not null)
        {
            parameters.Add(new("state", request.State));
        }

        parameters.Add(new("code", code));
        parameters.Add(new("scope", GoogleScopes.Join(granted)));
        parameters.Add(new("authuser", "0"));
        return TypedResults.Redirect(QueryHelpers.AddQueryString(request.RedirectUri, parameters));
    }

    private static RedirectHttpResult RedirectWithError(AuthorizationRequest request, string error)
    {
        var parameters = new List<KeyValuePair<string, string?>> { new("error", error) };
        if (request.State is not null)
        {
            parameters.Add(new("state", request.State));
        }

        return TypedResults.Redirect(QueryHelpers.AddQueryString(request.RedirectUri, parameters));
    }

    private static ContentHttpResult ErrorPage(int status, string error, string description) =>
        TypedResults.Content(ConsentPage.RenderError(error, description), HtmlContentType, Encoding.UTF8, status);

    private static OAuthClient Authenticate(HttpRequest request, IReadOnlyDictionary<string, string> parameters, OAuthClientRegistry clients)
    {
        var clientId = parameters.GetValueOrDefault("client_id");
        var secret = parameters.GetValueOrDefault("client_secret");
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            // client_secret_basic: both halves are form-urlencoded before base64 (RFC 6749 §2.3.1).
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':');
                if (colon > 0)
                {
                    clientId = Uri.UnescapeDataString(decoded[..colon].Replace('+', ' '));
                    secret = Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' '));
                }
            }
            catch (FormatException)
            {
                throw OAuthProtocolException.InvalidClient();
            }
        }

        if (clientId is null)
        {
            throw new OAuthProtocolException(400, "invalid_request", "Could not determine client ID from request.");
        }

        var client = clients.Find(clientId) ?? throw new OAuthProtocolException(401, "invalid_client", "The OAuth client was not found.");
        if (secret is null)
        {
            throw new OAuthProtocolException(400, "invalid_request", "client_secret is missing.");
        }

        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(client.ClientSecret)))
        {
            throw OAuthProtocolException.InvalidClient();
        }

        return client;
    }

    private static async Task<IReadOnlyDictionary<string, string>> ReadParametersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.HasFormContentType)
        {
            foreach (var (key, value) in await request.ReadFormAsync(cancellationToken))
            {
                if (value.Count > 0 && value[0] is { } first)
                {
                    parameters[key] = first;
                }
            }
        }
        else if (request.HasJsonContentType())
        {
            // oauth2.googleapis.com also takes a JSON body.
            try
            {
                var body = await JsonSerializer.DeserializeAsync<Dictionary<string, JsonElement>>(request.Body, cancellationToken: cancellationToken);
                foreach (var (key, value) in body ?? [])
                {
                    parameters[key] = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
                }
            }
            catch (JsonException)
            {
                throw new OAuthProtocolException(400, "invalid_request", "Invalid JSON payload received.");
            }
        }

        return parameters;
    }

    private static Hosting.AccessTokenGrant? BearerGrant(HttpContext context, OAuthGrantStore store)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : Single(context.Request.Query, "access_token");
        return token is null ? null : store.Validate(token);
    }

    private static JsonHttpResult<OAuthErrorResponse> InvalidCredentials(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"";
        return TypedResults.Json(new OAuthErrorResponse("invalid_request", "Invalid Credentials"), statusCode: 401);
    }

    private static bool IsEmailAddress(string value) =>
        MailAddress.TryCreate(value.Trim(), out var address) && address.Address == value.Trim() && address.Host.Length > 0;

    private static string? Single(IEnumerable<KeyValuePair<string, StringValues>> values, string name)
    {
        foreach (var (key, value) in values)
        {
            if (key == name && value.Count > 0 && !string.IsNullOrEmpty(value[0]))
            {
                return value[0];
            }
        }

        return null;
    }
}

/// <summary>The token endpoint's success body, field for field as Google sends it.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("id_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdToken);

/// <summary>Google's OAuth error body.</summary>
public sealed record OAuthErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorDescription);
