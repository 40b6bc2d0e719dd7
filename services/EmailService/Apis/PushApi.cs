using GmailAutomation.EmailService.Push;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.EmailService.Apis;

/// <summary>The webhook Cloud Pub/Sub pushes Gmail notifications to (<c>?token=</c> carries the shared secret).</summary>
public static class PushApi
{
    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder app)
    {
        var push = app.MapGroup("/api/push").WithTags("Push");
        push.MapPost("/gmail", ReceiveGmailPush)
            .WithName("ReceiveGmailPush")
            .WithSummary("Accepts a Pub/Sub push envelope with a Gmail notification and wakes the account's sync.")
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<NoContent> ReceiveGmailPush(string? token, PushEnvelope? envelope, PushReceiver receiver, CancellationToken cancellationToken)
    {
        await receiver.AcceptAsync(token, envelope, cancellationToken);
        return TypedResults.NoContent();
    }
}
