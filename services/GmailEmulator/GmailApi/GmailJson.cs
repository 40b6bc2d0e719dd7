using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GmailAutomation.GmailEmulator.GmailApi;

// Gmail's JSON shapes (discovery document schemas). int64 values are strings, empty values are left out
// (null here), bytes are base64url with padding.

public sealed class ErrorEnvelope
{
    public required ErrorBody Error { get; init; }
}

public sealed class ErrorBody
{
    public required int Code { get; init; }
    public required string Message { get; init; }
    public required IReadOnlyList<ErrorItem> Errors { get; init; }
    public required string Status { get; init; }
}

public sealed class ErrorItem
{
    public required string Message { get; init; }
    public required string Domain { get; init; }
    public required string Reason { get; init; }
    public string? Location { get; init; }
    public string? LocationType { get; init; }
}

public sealed class ProfileJson
{
    public required string EmailAddress { get; init; }
    public int MessagesTotal { get; init; }
    public int ThreadsTotal { get; init; }
    public required string HistoryId { get; init; }
}

public sealed class MessageJson
{
    public string? Id { get; set; }
    public string? ThreadId { get; set; }
    public IReadOnlyList<string>? LabelIds { get; set; }
    public string? Snippet { get; set; }
    public string? HistoryId { get; set; }
    public string? InternalDate { get; set; }
    public PayloadJson? Payload { get; set; }
    public int? SizeEstimate { get; set; }
    public string? Raw { get; set; }
}

/// <summary>
/// A message's payload: a part tree, or the same tree already serialized (full-format payloads are rendered once
/// per message and then written as they are; the MIME never changes).
/// </summary>
[JsonConverter(typeof(PayloadJsonConverter))]
public sealed class PayloadJson
{
    public MessagePartJson? Part { get; init; }
    public byte[]? Serialized { get; init; }
}

public sealed class PayloadJsonConverter : JsonConverter<PayloadJson>
{
    public override PayloadJson? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new() { Part = JsonSerializer.Deserialize(ref reader, GmailJsonContext.Api.MessagePartJson) };

    public override void Write(Utf8JsonWriter writer, PayloadJson value, JsonSerializerOptions options)
    {
        if (value.Serialized is { } serialized)
        {
            writer.WriteRawValue(serialized, skipInputValidation: true);
        }
        else
        {
            JsonSerializer.Serialize(writer, value.Part, GmailJsonContext.Api.MessagePartJson);
        }
    }
}

public sealed class MessagePartJson
{
    public required string PartId { get; init; }
    public required string MimeType { get; init; }
    public required string Filename { get; init; }
    public IReadOnlyList<HeaderJson>? Headers { get; set; }
    public MessagePartBodyJson? Body { get; set; }
    public IReadOnlyList<MessagePartJson>? Parts { get; set; }
}

public sealed record HeaderJson(string Name, string Value);

public sealed class MessagePartBodyJson
{
    public string? AttachmentId { get; init; }
    public int Size { get; init; }
    public string? Data { get; init; }
}

public sealed class MessageListJson
{
    public IReadOnlyList<MessageJson>? Messages { get; init; }
    public string? NextPageToken { get; init; }
    public int ResultSizeEstimate { get; init; }
}

public sealed class ModifyMessageRequest
{
    public IReadOnlyList<string>? AddLabelIds { get; init; }
    public IReadOnlyList<string>? RemoveLabelIds { get; init; }
}

public sealed class BatchModifyRequest
{
    public IReadOnlyList<string>? Ids { get; init; }
    public IReadOnlyList<string>? AddLabelIds { get; init; }
    public IReadOnlyList<string>? RemoveLabelIds { get; init; }
}

public sealed class HistoryListJson
{
    public IReadOnlyList<HistoryJson>? History { get; init; }
    public string? NextPageToken { get; init; }
    public required string HistoryId { get; init; }
}

public sealed class HistoryJson
{
    public required string Id { get; init; }
    public IReadOnlyList<MessageJson>? Messages { get; init; }
    public IReadOnlyList<HistoryMessageJson>? MessagesAdded { get; init; }
    public IReadOnlyList<HistoryMessageJson>? MessagesDeleted { get; init; }
    public IReadOnlyList<HistoryLabelJson>? LabelsAdded { get; init; }
    public IReadOnlyList<HistoryLabelJson>? LabelsRemoved { get; init; }
}

public sealed class HistoryMessageJson
{
    public required MessageJson Message { get; init; }
}

public sealed class HistoryLabelJson
{
    public required MessageJson Message { get; init; }
    public required IReadOnlyList<string> LabelIds { get; init; }
}

public sealed class LabelJson
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? MessageListVisibility { get; set; }
    public string? LabelListVisibility { get; set; }
    public string? Type { get; set; }
    public int? MessagesTotal { get; set; }
    public int? MessagesUnread { get; set; }
    public int? ThreadsTotal { get; set; }
    public int? ThreadsUnread { get; set; }
    public LabelColorJson? Color { get; set; }
}

public sealed class LabelColorJson
{
    public string? TextColor { get; set; }
    public string? BackgroundColor { get; set; }
}

public sealed class LabelListJson
{
    public required IReadOnlyList<LabelJson> Labels { get; init; }
}

public sealed class DraftJson
{
    public string? Id { get; set; }
    public MessageJson? Message { get; set; }
}

public sealed class DraftListJson
{
    public IReadOnlyList<DraftJson>? Drafts { get; init; }
    public string? NextPageToken { get; init; }
    public int ResultSizeEstimate { get; init; }
}

public sealed class ThreadJson
{
    public required string Id { get; init; }
    public string? Snippet { get; init; }
    public string? HistoryId { get; init; }
    public IReadOnlyList<MessageJson>? Messages { get; init; }
}

public sealed class ThreadListJson
{
    public IReadOnlyList<ThreadJson>? Threads { get; init; }
    public string? NextPageToken { get; init; }
    public int ResultSizeEstimate { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(ProfileJson))]
[JsonSerializable(typeof(MessageJson))]
[JsonSerializable(typeof(MessagePartJson))]
[JsonSerializable(typeof(MessageListJson))]
[JsonSerializable(typeof(MessagePartBodyJson))]
[JsonSerializable(typeof(ModifyMessageRequest))]
[JsonSerializable(typeof(BatchModifyRequest))]
[JsonSerializable(typeof(HistoryListJson))]
[JsonSerializable(typeof(LabelJson))]
[JsonSerializable(typeof(LabelListJson))]
[JsonSerializable(typeof(DraftJson))]
[JsonSerializable(typeof(DraftListJson))]
[JsonSerializable(typeof(ThreadJson))]
[JsonSerializable(typeof(ThreadListJson))]
[JsonSerializable(typeof(WatchRequestJson))]
[JsonSerializable(typeof(WatchResponseJson))]
internal sealed partial class GmailJsonContext : JsonSerializerContext
{
    /// <summary>Readable output (no \u0027 for apostrophes), as Google's is.</summary>
    public static GmailJsonContext Api { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

public sealed class WatchRequestJson
{
    public string? TopicName { get; init; }
    public IReadOnlyList<string>? LabelIds { get; init; }
    public string? LabelFilterBehavior { get; init; }
    public string? LabelFilterAction { get; init; }
}

public sealed class WatchResponseJson
{
    public required string HistoryId { get; init; }
    public required string Expiration { get; init; }
}
