using System.Text.Json;
using GmailAutomation.ApiGateway.Identity;
using GmailAutomation.ApiGateway.Proxy;
using GmailAutomation.ApiGateway.Status;
using GmailAutomation.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.ApiGateway.Apis;

public static class StatusApi
{
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/status", GetStatus)
            .WithName("GetSystemStatus")
            .WithSummary("Health and version of every service and backing resource; 200 only when all are healthy. "
                + "A signed-in caller also gets the sync state of each of their Gmail accounts.")
            .WithTags("Status");
        return app;
    }

    public static async Task<Results<Ok<SystemStatus>, JsonHttpResult<SystemStatus>>> GetStatus(
        HttpContext http, SystemStatusProbe probe, IHttpClientFactory clients, UserIdentityTokens tokens, CancellationToken cancellationToken)
    {
        var status = await probe.CheckAsync(cancellationToken);
        if (GatewayCaller.From(http.User) is { } caller)
        {
            status = await WithAccountsAsync(status, caller, clients, tokens, cancellationToken);
        }

        return status.IsHealthy
            ? TypedResults.Ok(status)
            : TypedResults.Json(status, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The caller's accounts from the email-service, asked as the caller (signed identity), so it shows only theirs.</summary>
    private static async Task<SystemStatus> WithAccountsAsync(
        SystemStatus status, GatewayCaller caller, IHttpClientFactory clients, UserIdentityTokens tokens, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{PublicRoutes.EmailService}/api/sync/accounts");
            request.Headers.TryAddWithoutValidation(UserIdentityTokens.HeaderName, tokens.Issue(caller.UserId, caller.Email));
            using var response = await clients.CreateClient(SystemStatusProbe.HttpClientName).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return status with { AccountsError = $"{PublicRoutes.EmailService} answered {(int)response.StatusCode}." };
            }

            var accounts = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return status with { Accounts = accounts };
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return status with { AccountsError = $"{PublicRoutes.EmailService} could not be asked: {ex.GetType().Name}." };
        }
    }
}
