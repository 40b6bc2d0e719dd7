using System.Text.Json.Serialization;
using GmailAutomation.GmailClient.Json;

namespace GmailAutomation.GmailClient.Models;

public sealed record GmailThread
{
    public string? Id { get; init; }

    public string? Snippet { get; init; }

    [JsonNumberHandling(GmailJson.Int64)]
    public ulong? HistoryId { get; init; }

    /// <summary>Oldest first (threads.get only).</summary>
    public IReadOnlyList<GmailMessage>? Messages { get; init; }
}

public sealed record ListThreadsResponse
{
    public IReadOnlyList<GmailThread>? Threads { get; init; }

    public string? NextPageToken { get; init; }

    public int ResultSizeEstimate { get; init; }
}
