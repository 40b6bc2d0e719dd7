using System.Text.Json.Serialization;
using GmailAutomation.GmailClient.Json;

namespace GmailAutomation.GmailClient.Models;

public sealed record HistoryRecord
{
    [JsonNumberHandling(GmailJson.Int64)]
    public ulong Id { get; init; }

    public IReadOnlyList<MessageRef>? Messages { get; init; }

    public IReadOnlyList<HistoryMessageChange>? MessagesAdded { get; init; }

    public IReadOnlyList<HistoryMessageChange>? MessagesDeleted { get; init; }

    public IReadOnlyList<HistoryLabelChange>? LabelsAdded { get; init; }

    public IReadOnlyList<HistoryLabelChange>? LabelsRemoved { get; init; }
}

public sealed record HistoryMessageChange
{
    public GmailMessage? Message { get; init; }
}

public sealed record HistoryLabelChange
{
    public GmailMessage? Message { get; init; }

    /// <summary>The labels this change added or removed.</summary>
    public IReadOnlyList<string>? LabelIds { get; init; }
}

public sealed record ListHistoryResponse
{
    public IReadOnlyList<HistoryRecord>? History { get; init; }

    public string? NextPageToken { get; init; }

    /// <summary>The mailbox's current history id.</summary>
    [JsonNumberHandling(GmailJson.Int64)]
    public ulong HistoryId { get; init; }
}

public static class HistoryTypes
{
    public const string MessageAdded = "messageAdded";
    public const string MessageDeleted = "messageDeleted";
    public const string LabelAdded = "labelAdded";
    public const string LabelRemoved = "labelRemoved";
}

/// <summary>Parameters of <c>history.list</c>.</summary>
public sealed record HistoryQuery
{
    public required ulong StartHistoryId { get; init; }

    /// <summary>Any of <see cref="HistoryTypes"/>.</summary>
    public IReadOnlyList<string>? HistoryTypes { get; init; }

    public string? LabelId { get; init; }

    public int? MaxResults { get; init; }

    public string? PageToken { get; init; }
}
