using System.Text.Json.Serialization;
using GmailAutomation.GmailClient.Json;

namespace GmailAutomation.GmailClient.Models;

/// <summary><c>users.messages</c> resource. Which fields are present depends on the requested <see cref="MessageFormat"/>.</summary>
public sealed record GmailMessage
{
    public string? Id { get; init; }

    public string? ThreadId { get; init; }

    public IReadOnlyList<string>? LabelIds { get; init; }

    /// <summary>About 200 characters of plain text, HTML-entity escaped.</summary>
    public string? Snippet { get; init; }

    [JsonNumberHandling(GmailJson.Int64)]
    public ulong? HistoryId { get; init; }

    /// <summary>Epoch milliseconds.</summary>
    [JsonNumberHandling(GmailJson.Int64)]
    public long? InternalDate { get; init; }

    public int? SizeEstimate { get; init; }

    public MessagePart? Payload { get; init; }

    /// <summary>The whole RFC 2822 message (format=raw, send, drafts).</summary>
    [JsonConverter(typeof(Base64UrlBytesConverter))]
    public byte[]? Raw { get; init; }

    [JsonIgnore]
    public DateTimeOffset? InternalDateTime => InternalDate is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>First header of that name on the root part, case-insensitively (metadata/full formats).</summary>
    public string? Header(string name) =>
        Payload?.Headers?.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;
}

public sealed record MessagePart
{
    /// <summary>"" for the root, "0", "1", … for children, "0.1" for nested ones.</summary>
    public string? PartId { get; init; }

    public string? MimeType { get; init; }

    public string? Filename { get; init; }

    public IReadOnlyList<MessagePartHeader>? Headers { get; init; }

    public MessagePartBody? Body { get; init; }

    public IReadOnlyList<MessagePart>? Parts { get; init; }
}

public sealed record MessagePartHeader(string Name, string Value);

/// <summary>A part's body, or an attachment fetched with <c>attachments.get</c>.</summary>
public sealed record MessagePartBody
{
    public string? AttachmentId { get; init; }

    /// <summary>Decoded byte count.</summary>
    public int Size { get; init; }

    [JsonConverter(typeof(Base64UrlBytesConverter))]
    public byte[]? Data { get; init; }
}

/// <summary>An id pair, as <c>messages.list</c> and history records return them.</summary>
public sealed record MessageRef(string Id, string ThreadId);

public sealed record ListMessagesResponse
{
    public IReadOnlyList<MessageRef>? Messages { get; init; }

    public string? NextPageToken { get; init; }

    public int ResultSizeEstimate { get; init; }
}

public enum MessageFormat
{
    Minimal,
    Metadata,
    Full,
    Raw,
}

/// <summary>Parameters of <c>messages.list</c> and <c>threads.list</c>.</summary>
public sealed record MessageListQuery
{
    /// <summary>Gmail search syntax, e.g. <c>newer_than:7d -is:draft</c>.</summary>
    public string? Q { get; init; }

    /// <summary>Results carry ALL of these labels.</summary>
    public IReadOnlyList<string>? LabelIds { get; init; }

    public bool IncludeSpamTrash { get; init; }

    /// <summary>Page size, 1–500 (Gmail's default is 100).</summary>
    public int? MaxResults { get; init; }

    public string? PageToken { get; init; }
}

/// <summary>Body of <c>messages.modify</c> and <c>threads.modify</c>.</summary>
public sealed record ModifyMessageRequest
{
    public IReadOnlyList<string>? AddLabelIds { get; init; }

    public IReadOnlyList<string>? RemoveLabelIds { get; init; }
}

/// <summary>Body of <c>messages.batchModify</c> (up to 1000 ids).</summary>
public sealed record BatchModifyMessagesRequest
{
    public required IReadOnlyList<string> Ids { get; init; }

    public IReadOnlyList<string>? AddLabelIds { get; init; }

    public IReadOnlyList<string>? RemoveLabelIds { get; init; }
}

public sealed record GmailProfile
{
    public string? EmailAddress { get; init; }

    public int MessagesTotal { get; init; }

    public int ThreadsTotal { get; init; }

    [JsonNumberHandling(GmailJson.Int64)]
    public ulong HistoryId { get; init; }
}
