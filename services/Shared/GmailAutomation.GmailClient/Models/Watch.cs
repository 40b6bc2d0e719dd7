using System.Text.Json.Serialization;
using GmailAutomation.GmailClient.Json;

namespace GmailAutomation.GmailClient.Models;

/// <summary>Body of <c>users.watch</c>.</summary>
public sealed record WatchRequest
{
    /// <summary><c>projects/&lt;project&gt;/topics/&lt;topic&gt;</c>.</summary>
    public required string TopicName { get; init; }

    public IReadOnlyList<string>? LabelIds { get; init; }

    /// <summary><c>include</c> or <c>exclude</c>.</summary>
    public string? LabelFilterBehavior { get; init; }
}

public sealed record WatchResponse
{
    [JsonNumberHandling(GmailJson.Int64)]
    public ulong HistoryId { get; init; }

    /// <summary>Epoch milliseconds; call watch again before then (Google recommends daily).</summary>
    [JsonNumberHandling(GmailJson.Int64)]
    public long Expiration { get; init; }
}

/// <summary>
/// The JSON inside a push notification's base64 <c>message.data</c>. Production sends <c>historyId</c> as a
/// number and the guide shows a string; both are read.
/// </summary>
public sealed record GmailPushNotification
{
    public string? EmailAddress { get; init; }

    [JsonNumberHandling(GmailJson.Int64)]
    public ulong HistoryId { get; init; }
}
