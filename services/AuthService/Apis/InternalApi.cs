using GmailAutomation.AuthService.Accounts;
using GmailAutomation.AuthService.Tokens;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.AuthService.Apis;

/// <summary>
/// Endpoints for the other services, reached by service discovery and never routed by the gateway (not under
/// <c>/api</c>). Callers authenticate with the shared service key. An account is named by id or Gmail address.
/// </summary>
public static class InternalApi
{
    public static IEndpointRouteBuilder MapInternalApi(this IEndpointRouteBuilder app)
    {
        var internalApi = app.MapGroup("/internal").WithTags("Internal").RequireServiceKey().ExcludeFromDescription();

        internalApi.MapPost("/accounts/{account}/access-token", GetAccessToken).WithName("GetAccessToken");
        internalApi.MapPost("/accounts/{account}/access-token/invalidate", InvalidateAccessToken).WithName("InvalidateAccessToken");
        internalApi.MapGet("/accounts/{account}", GetAccount).WithName("GetInternalAccount");

        return app;
    }

    public static async Task<Ok<AccessTokenResponse>> GetAccessToken(
        string account, AccountDirectory directory, AccountService accounts, AccessTokenService tokens, CancellationToken cancellationToken)
    {
        var found = await directory.ResolveAsync(account, accounts, cancellationToken);
        return TypedResults.Ok(await tokens.GetAccessTokenAsync(found, cancellationToken));
    }

    public static async Task<NoContent> InvalidateAccessToken(
        string account, InvalidateRequest request, AccountDirectory directory, AccountService accounts, AccessTokenService tokens, CancellationToken cancellationToken)
    {
        var found = await directory.ResolveAsync(account, accounts, cancellationToken);
        await tokens.InvalidateAsync(found, request.AccessToken, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<InternalAccountView>> GetAccount(string account, AccountService accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok(InternalAccountView.Of(await accounts.FindAsync(account, cancellationToken)));
}

/// <summary>The access token Gmail rejected.</summary>
public sealed record InvalidateRequest(string AccessToken);
