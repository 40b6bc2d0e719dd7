using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.ApiGateway.Apis;

/// <summary>
/// Personal API tokens. Creating one needs the cookie session (a leaked token cannot mint more); listing and
/// revoking work with either, so a script can revoke itself. Other users' tokens answer 404.
/// </summary>
public static class ApiTokensApi
{
    public static IEndpointRouteBuilder MapApiTokensApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/tokens").WithTags("API tokens").RequireAuthorization();
        tokens.MapGet("/", List).WithName("ListApiTokens").WithSummary("The user's API tokens (never their secrets).");
        tokens.MapPost("/", Create).WithName("CreateApiToken")
            .WithSummary("Creates a token for scripts (Authorization: Bearer …); the secret is in this answer only.");
        tokens.MapDelete("/{tokenId:guid}", Revoke).WithName("RevokeApiToken").WithSummary("Revokes a token at once.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ApiTokenView>>> List(HttpContext http, ApiTokenService tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(await tokens.ListAsync(GatewayCaller.Require(http.User).UserId, cancellationToken));

    public static async Task<Created<CreatedApiToken>> Create(HttpContext http, CreateApiTokenRequest request, ApiTokenService tokens, CancellationToken cancellationToken)
    {
        var caller = GatewayCaller.Require(http.User);
        if (!caller.IsSession)
        {
            throw new AuthenticationException("API tokens are created from a signed-in session, not with another token.");
        }

        var created = await tokens.CreateAsync(caller, request, cancellationToken);
        return TypedResults.Created($"/api/tokens/{created.Id}", created);
    }

    public static async Task<Ok<ApiTokenView>> Revoke(Guid tokenId, HttpContext http, ApiTokenService tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(await tokens.RevokeAsync(GatewayCaller.Require(http.User).UserId, tokenId, cancellationToken));
}
