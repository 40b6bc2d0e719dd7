using System.Text.Json.Serialization;
using GmailAutomation.Common.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GmailAutomation.GmailEmulator.Push;

/// <summary>Admin API of the emulated Pub/Sub push side. Not part of Google's surface.</summary>
public static class EmulatorPushApi
{
    public static IEndpointRouteBuilder MapEmulatorPushApi(this IEndpointRouteBuilder app)
    {
        var push = app.MapGroup("/emulator/push").WithTags("Emulator admin: push");
        push.MapPut("/subscriptions", PutSubscription).WithName("PutPushSubscription")
            .WithSummary("Pushes messages of a topic to an endpoint (a Pub/Sub push subscription).");
        push.MapGet("/subscriptions", ListSubscriptions).WithName("ListPushSubscriptions")
            .WithSummary("The registered push subscriptions.");
        push.MapDelete("/subscriptions", DeleteSubscription).WithName("DeletePushSubscription")
            .WithSummary("Removes the push subscription of ?topic=.");
        push.MapGet("/status", GetStatus).WithName("GetPushStatus")
            .WithSummary("Live watches and the delivery counters.");
        return app;
    }

    public static Ok<PushSubscription> PutSubscription(SubscriptionRequest request, PushSubscriptionRegistry subscriptions) =>
        TypedResults.Ok(subscriptions.Set(request.Topic, request.Endpoint, request.Subscription));

    public static Ok<IReadOnlyList<PushSubscription>> ListSubscriptions(PushSubscriptionRegistry subscriptions) =>
        TypedResults.Ok(subscriptions.All);

    public static NoContent DeleteSubscription(string topic, PushSubscriptionRegistry subscriptions) =>
        subscriptions.Remove(topic) ? TypedResults.NoContent() : throw new NotFoundException("Push subscription", topic);

    public static Ok<PushStatus> GetStatus(WatchRegistry watches, PushNotifier notifier) =>
        TypedResults.Ok(new PushStatus(
            [.. watches.All.Select(w => new WatchView(w.Email, w.TopicName, [.. w.LabelIds.Order(StringComparer.Ordinal)], w.ExcludeLabels ? "exclude" : "include", w.Expiration.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)))],
            notifier.Statistics()));
}

public sealed record SubscriptionRequest(
    [property: JsonPropertyName("topic")] string? Topic,
    [property: JsonPropertyName("endpoint")] string? Endpoint,
    [property: JsonPropertyName("subscription")] string? Subscription);

public sealed record WatchView(string EmailAddress, string TopicName, IReadOnlyList<string> LabelIds, string LabelFilterBehavior, string Expiration);

public sealed record PushStatus(IReadOnlyList<WatchView> Watches, PushStatistics Statistics);
