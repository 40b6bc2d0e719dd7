using GmailAutomation.ApiGateway.Status;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.ApiGateway.Apis;

public static class StatusApi
{
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/status", GetStatus)
            .WithName("GetSystemStatus")
            .WithSummary("Health and version of every service and backing resource; 200 only when all are healthy.")
            .WithTags("Status");
        return app;
    }

    public static async Task<Results<Ok<SystemStatus>, JsonHttpResult<SystemStatus>>> GetStatus(SystemStatusProbe probe, CancellationToken cancellationToken)
    {
        var status = await probe.CheckAsync(cancellationToken);
        return status.IsHealthy
            ? TypedResults.Ok(status)
            : TypedResults.Json(status, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
