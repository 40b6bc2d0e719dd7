using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using GmailAutomation.Common.Errors;
using GmailAutomation.GmailEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace GmailAutomation.GmailEmulator.Push;

/// <summary>A Pub/Sub push subscription: where messages published to <see cref="Topic"/> are POSTed.</summary>
public sealed record PushSubscription(
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("subscription")] string Subscription);

/// <summary>Per-topic push endpoints registered at run time, falling back to <c>Emulator:Push:Endpoint</c>.</summary>
public sealed partial class PushSubscriptionRegistry(IOptionsMonitor<PushOptions> options) : IEmulatorResettable
{
    private readonly ConcurrentDictionary<string, PushSubscription> _subscriptions = new(StringComparer.Ordinal);

    public PushSubscription Set(string? topic, string? endpoint, string? subscription)
    {
        var errors = new Dictionary<string, string[]>();
        var match = topic is null ? null : TopicPattern().Match(topic);
        if (match is not { Success: true })
        {
            errors["topic"] = ["topic must look like projects/<project>/topics/<topic>."];
        }

        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors["endpoint"] = ["endpoint must be an absolute http(s) URL."];
        }

        if (subscription is not null && !SubscriptionPattern().IsMatch(subscription))
        {
            errors["subscription"] = ["subscription must look like projects/<project>/subscriptions/<name>."];
        }

        if (errors.Count > 0)
        {
            throw new ValidationException("The push subscription is invalid.", errors);
        }

        var registered = new PushSubscription(topic!, endpoint!, subscription ?? DefaultSubscriptionName(match!));
        _subscriptions[topic!] = registered;
        return registered;
    }

    public bool Remove(string topic) => _subscriptions.TryRemove(topic, out _);

    public IReadOnlyList<PushSubscription> All => [.. _subscriptions.Values.OrderBy(s => s.Topic, StringComparer.Ordinal)];

    /// <summary>Where a message of <paramref name="topic"/> goes, or null when no endpoint is known.</summary>
    public PushSubscription? Resolve(string topic)
    {
        if (_subscriptions.TryGetValue(topic, out var registered))
        {
            return registered;
        }

        var endpoint = options.CurrentValue.Endpoint;
        var match = TopicPattern().Match(topic);
        return string.IsNullOrWhiteSpace(endpoint) || !match.Success ? null : new PushSubscription(topic, endpoint, DefaultSubscriptionName(match));
    }

    public void Reset() => _subscriptions.Clear();

    private static string DefaultSubscriptionName(Match topic) =>
        $"projects/{topic.Groups["project"].Value}/subscriptions/{topic.Groups["topic"].Value}-push";

    [GeneratedRegex("^projects/(?<project>[^/]+)/topics/(?<topic>[^/]+)$")]
    private static partial Regex TopicPattern();

    [GeneratedRegex("^projects/[^/]+/subscriptions/[^/]+$")]
    private static partial Regex SubscriptionPattern();
}
