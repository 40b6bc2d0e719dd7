using System.Text.Json;
using System.Text.Json.Serialization;

namespace GmailAutomation.GmailClient.Json;

/// <summary>
/// JSON settings matching Gmail's wire format: camelCase, unset fields omitted, int64/uint64 written as
/// strings but read from strings or numbers (push payloads carry <c>historyId</c> as a number).
/// </summary>
public static class GmailJson
{
    /// <summary>For int64/uint64 properties: written as JSON strings, read from strings or numbers.</summary>
    public const JsonNumberHandling Int64 = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString;

    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Bytes as Gmail sends them: base64url with padding out, either alphabet in.</summary>
public sealed class Base64UrlBytesConverter : JsonConverter<byte[]>
{
    public override byte[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var text = reader.GetString() ?? string.Empty;
        try
        {
            return Base64Url.Decode(text);
        }
        catch (FormatException ex)
        {
            throw new JsonException("Bytes field is not base64 or base64url.", ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Base64Url.Encode(value));
}
