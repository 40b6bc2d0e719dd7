using System.Text;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Mailboxes;
using MimeKit;

namespace GmailAutomation.GmailEmulator.GmailApi.Handlers;

/// <summary>
/// Reads a message from a request body in any of Gmail's three ways: JSON with a base64url <c>raw</c>,
/// <c>uploadType=media</c> (the RFC 822 bytes as the body) or <c>uploadType=multipart</c> (JSON metadata part
/// plus the message part).
/// </summary>
internal static class MessageInput
{
    private const int MaxUploadBytes = 35 * 1024 * 1024;

    /// <summary>The raw bytes and the metadata sent beside them (a Message, or a Draft when <paramref name="draft"/>).</summary>
    public static (byte[]? Raw, MessageJson? Metadata, string? DraftId) Read(GmailCall call, bool draft)
    {
        var body = call.Request.Body;
        if (body.Length > MaxUploadBytes)
        {
            throw new GmailApiException(413, "Request too large.", "uploadTooLarge", "OUT_OF_RANGE");
        }

        if (call.IsUpload)
        {
            var contentType = call.Request.ContentType ?? "message/rfc822";
            if (contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
            {
                return ReadMultipart(contentType, body, draft);
            }

            return (body, null, null);
        }

        if (draft)
        {
            var json = call.ReadJson<DraftJson>("draft");
            return (json.Message?.Raw is { } raw ? OutgoingMessages.DecodeRaw(raw, "draft.message.raw") : null, json.Message, json.Id);
        }

        var message = call.ReadJson<MessageJson>("message");
        return (message.Raw is { } messageRaw ? OutgoingMessages.DecodeRaw(messageRaw, "message.raw") : null, message, null);
    }

    /// <summary>A thread id as sent by a client; anything that is not an id means "no thread".</summary>
    public static ulong? ThreadId(MessageJson? metadata) =>
        metadata?.ThreadId is { } value && GmailIds.TryParse(value, out var id) ? id : null;

    private static (byte[]? Raw, MessageJson? Metadata, string? DraftId) ReadMultipart(string contentType, byte[] body, bool draft)
    {
        Multipart multipart;
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            multipart = MimeEntity.Load(ContentType.Parse(contentType), stream) as Multipart
                ?? throw GmailApiException.InvalidArgument("Invalid multipart upload.");
        }
        catch (FormatException)
        {
            throw GmailApiException.InvalidArgument("Invalid multipart upload.");
        }

        MessageJson? metadata = null;
        string? draftId = null;
        byte[]? raw = null;
        foreach (var entity in multipart)
        {
            using var content = new MemoryStream();
            switch (entity)
            {
                case MimePart part when part.ContentType.IsMimeType("application", "json"):
                    part.Content?.DecodeTo(content);
                    var json = Encoding.UTF8.GetString(content.ToArray());
                    try
                    {
                        if (draft)
                        {
                            var parsed = JsonSerializer.Deserialize(json, GmailJsonContext.Api.DraftJson);
                            metadata = parsed?.Message;
                            draftId = parsed?.Id;
                        }
                        else
                        {
                            metadata = JsonSerializer.Deserialize(json, GmailJsonContext.Api.MessageJson);
                        }
                    }
                    catch (JsonException exception)
                    {
                        throw GmailApiException.InvalidArgument($"Invalid JSON payload received. {exception.Message}");
                    }

                    break;
                case MessagePart embedded when embedded.Message is not null:
                    embedded.Message.WriteTo(content);
                    raw = content.ToArray();
                    break;
                case MimePart part:
                    part.Content?.DecodeTo(content);
                    raw = content.ToArray();
                    break;
            }
        }

        return (raw, metadata, draftId);
    }
}
