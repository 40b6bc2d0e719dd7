using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GmailAutomation.GmailEmulator.Mailboxes;
using MimeKit;

namespace GmailAutomation.GmailEmulator.GmailApi;

/// <summary>The four formats of messages.get, and the MIME payload tree built with MimeKit (API-SUBSET §3).</summary>
public static class MessageRenderer
{
    public const string Minimal = "minimal";
    public const string Metadata = "metadata";
    public const string Full = "full";
    public const string RawFormat = "raw";

    /// <summary>Just id and threadId (list items, history records).</summary>
    public static MessageJson Reference(ulong id, ulong threadId) => new() { Id = GmailIds.Format(id), ThreadId = GmailIds.Format(threadId) };

    /// <summary>id, threadId and labelIds (modify, send and history answers).</summary>
    public static MessageJson WithLabels(MessageView message) => new()
    {
        Id = GmailIds.Format(message.Id),
        ThreadId = GmailIds.Format(message.ThreadId),
        LabelIds = message.LabelIds.Count == 0 ? null : message.LabelIds,
    };

    public static MessageJson Render(MessageView message, string format, IReadOnlyCollection<string>? metadataHeaders)
    {
        var json = WithLabels(message);
        json.Snippet = message.Content.Snippet.Length == 0 ? null : message.Content.Snippet;
        json.HistoryId = message.HistoryId.ToString(CultureInfo.InvariantCulture);
        json.InternalDate = message.InternalDate.ToString(CultureInfo.InvariantCulture);
        json.SizeEstimate = message.Content.SizeEstimate;
        switch (format)
        {
            case RawFormat:
                json.Raw = Base64Url.Encode(message.Content.Raw);
                break;
            case Metadata:
                json.Payload = new PayloadJson { Part = MetadataPayload(message, metadataHeaders) };
                break;
            case Full:
                json.Payload = new PayloadJson { Serialized = message.Content.FullPayloadJson };
                break;
        }

        return json;
    }

    /// <summary>Decoded bytes of the part an attachment id points at, or null.</summary>
    public static byte[]? FindAttachment(byte[] raw, string attachmentId)
    {
        if (!TryDecodeAttachmentId(attachmentId, out var partId))
        {
            return null;
        }

        var mime = Load(raw);
        if (mime?.Body is null)
        {
            return null;
        }

        var entity = FindPart(mime.Body, string.Empty, partId);
        return entity is null ? null : Decode(entity);
    }

    /// <summary>The top-level headers of a message, parsed on first metadata read and kept with its content.</summary>
    private sealed class Rendered
    {
        public HeaderJson[]? Headers { get; set; }
        public string? MimeType { get; set; }
    }

    private static readonly ConditionalWeakTable<ParsedMessage, Rendered> Cache = [];

    /// <summary>
    /// The full-format payload, serialized: computed once when a message is stored (from the MIME tree parsed
    /// then), since the content of a stored message never changes.
    /// </summary>
    public static byte[] SerializeFullPayload(MimeMessage? mime, byte[] raw) =>
        JsonSerializer.SerializeToUtf8Bytes(FullPayload(mime, raw), GmailJsonContext.Api.MessagePartJson);

    private static MessagePartJson MetadataPayload(MessageView message, IReadOnlyCollection<string>? wanted)
    {
        var rendered = Cache.GetValue(message.Content, _ => new Rendered());
        if (rendered.Headers is null || rendered.MimeType is null)
        {
            var headers = TopLevelHeaders(message.Content.Raw);
            rendered.MimeType = ContentTypeOf(headers);
            rendered.Headers = headers.Select(ToJson).ToArray();
        }

        IEnumerable<HeaderJson> selected = rendered.Headers;
        if (wanted is { Count: > 0 })
        {
            selected = selected.Where(h => wanted.Contains(h.Name, StringComparer.OrdinalIgnoreCase));
        }

        return new MessagePartJson
        {
            PartId = string.Empty,
            MimeType = rendered.MimeType,
            Filename = string.Empty,
            Headers = NullIfEmpty(selected.ToArray()),
        };
    }

    private static string ContentTypeOf(HeaderList headers)
    {
        var value = headers[HeaderId.ContentType];
        return value is not null && ContentType.TryParse(value, out var type) ? type.MimeType.ToLowerInvariant() : "text/plain";
    }

    private static MessagePartJson FullPayload(MimeMessage? mime, byte[] raw)
    {
        if (mime?.Body is null)
        {
            // Not MIME at all: the whole message is one text part, as Gmail shows unparseable mail.
            return new MessagePartJson
            {
                PartId = string.Empty,
                MimeType = "text/plain",
                Filename = string.Empty,
                Headers = NullIfEmpty(TopLevelHeaders(raw).Select(ToJson).ToArray()),
                Body = new MessagePartBodyJson { Size = raw.Length, Data = raw.Length == 0 ? null : Base64Url.Encode(raw) },
            };
        }

        return Part(mime.Body, string.Empty, TopLevelHeaders(raw));
    }

    private static MessagePartJson Part(MimeEntity entity, string partId, IEnumerable<Header> headers)
    {
        var json = new MessagePartJson
        {
            PartId = partId,
            MimeType = entity.ContentType.MimeType.ToLowerInvariant(),
            Filename = entity is MimePart { FileName: { } name } ? name : entity.ContentDisposition?.FileName ?? string.Empty,
            Headers = NullIfEmpty(headers.Select(ToJson).ToArray()),
        };

        if (entity is Multipart multipart)
        {
            json.Body = new MessagePartBodyJson { Size = 0 };
            json.Parts = NullIfEmpty(multipart.Select((child, index) => Part(child, ChildId(partId, index), child.Headers)).ToArray());
            return json;
        }

        var bytes = Decode(entity);
        json.Body = ParsedMessage.IsAttachmentPart(entity)
            ? new MessagePartBodyJson { AttachmentId = AttachmentId(partId), Size = bytes.Length }
            : new MessagePartBodyJson { Size = bytes.Length, Data = bytes.Length == 0 ? null : Base64Url.Encode(bytes) };
        return json;
    }

    private static string ChildId(string parent, int index) =>
        parent.Length == 0 ? index.ToString(CultureInfo.InvariantCulture) : parent + "." + index.ToString(CultureInfo.InvariantCulture);

    private static MimeEntity? FindPart(MimeEntity entity, string partId, string wanted)
    {
        if (partId == wanted)
        {
            return entity;
        }

        if (entity is Multipart multipart)
        {
            for (var i = 0; i < multipart.Count; i++)
            {
                var childId = ChildId(partId, i);
                if (wanted == childId || wanted.StartsWith(childId + ".", StringComparison.Ordinal))
                {
                    return FindPart(multipart[i], childId, wanted);
                }
            }
        }

        return null;
    }

    private static byte[] Decode(MimeEntity entity)
    {
        using var buffer = new MemoryStream();
        try
        {
            switch (entity)
            {
                case MimePart { Content: not null } part:
                    part.Content.DecodeTo(buffer);
                    break;
                case MessagePart { Message: not null } embedded:
                    embedded.Message.WriteTo(buffer);
                    break;
            }
        }
        catch (FormatException)
        {
            // Broken transfer encoding: whatever decoded so far is what Gmail would show too.
        }

        return buffer.ToArray();
    }

    // Opaque to clients; attachments.get also names the message, so the part id is all it needs to carry.
    private static string AttachmentId(string partId) =>
        "ANGjdJ" + Convert.ToBase64String(Encoding.ASCII.GetBytes("part:" + partId)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeAttachmentId(string attachmentId, out string partId)
    {
        partId = string.Empty;
        if (!attachmentId.StartsWith("ANGjdJ", StringComparison.Ordinal) || !Base64Url.TryDecode(attachmentId[6..], out var bytes))
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(bytes);
        if (!text.StartsWith("part:", StringComparison.Ordinal))
        {
            return false;
        }

        partId = text["part:".Length..];
        return true;
    }

    private static MimeMessage? Load(byte[] raw)
    {
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            return MimeMessage.Load(stream);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every header of the message in original order, the MIME ones (Content-Type…) included: MimeKit keeps those
    /// on the body entity, Gmail lists them with the rest on the root part.
    /// </summary>
    private static HeaderList TopLevelHeaders(byte[] raw)
    {
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            return HeaderList.Load(stream);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static HeaderJson ToJson(Header header) => new(header.Field, header.Value ?? string.Empty);

    private static T[]? NullIfEmpty<T>(T[] items) => items.Length == 0 ? null : items;
}
