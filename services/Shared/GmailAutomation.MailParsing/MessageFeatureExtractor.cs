using System.Text;
using MimeKit;

namespace GmailAutomation.MailParsing;

/// <summary>Limits of <see cref="MessageFeatureExtractor"/>; huge messages are cut, never refused.</summary>
public sealed record MessageFeatureLimits
{
    /// <summary>Characters of body text kept (the rest is dropped and <see cref="MessageFeatures.BodyTruncated"/> set).</summary>
    public int MaxBodyChars { get; init; } = 64 * 1024;

    /// <summary>Decoded bytes read from one text part; bounds the work on a multi-megabyte body.</summary>
    public int MaxPartBytes { get; init; } = 1024 * 1024;

    public static MessageFeatureLimits Default { get; } = new();
}

/// <summary>
/// Builds <see cref="MessageFeatures"/> from a raw RFC 822 message with MimeKit. Best effort: malformed
/// headers, broken MIME structure, wrong charsets and undecodable bodies are recorded in
/// <see cref="MessageFeatures.MalformedParts"/> and never thrown.
/// </summary>
public static class MessageFeatureExtractor
{
    static MessageFeatureExtractor()
    {
        // windows-125x, iso-2022-jp, koi8-r… are common in old mail and not in .NET's default set.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    private static readonly ParserOptions Parser = new()
    {
        AllowAddressesWithoutDomain = true,
        AddressParserComplianceMode = RfcComplianceMode.Loose,
        ParameterComplianceMode = RfcComplianceMode.Loose,
        Rfc2047ComplianceMode = RfcComplianceMode.Loose,
        CharsetEncoding = Encoding.Latin1,
    };

    public static MessageFeatures FromBytes(byte[] raw, MessageFeatureLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using var stream = new MemoryStream(raw, writable: false);
        return FromStream(stream, limits);
    }

    public static MessageFeatures FromFile(string path, MessageFeatureLimits? limits = null) =>
        FromBytes(File.ReadAllBytes(path), limits);

    /// <summary>Reads a message; the stream is read to the end (or as far as MimeKit gets).</summary>
    public static MessageFeatures FromStream(Stream stream, MessageFeatureLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= MessageFeatureLimits.Default;
        MimeMessage message;
        try
        {
            message = MimeMessage.Load(Parser, stream);
        }
        catch (Exception exception) when (exception is FormatException or ParseException or IOException or ArgumentException)
        {
            return FromUnparseable(stream, limits);
        }

        try
        {
            return FromMessage(message, limits);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // MimeKit is lenient; whatever it still trips over leaves a message we read as plain text.
            return FromUnparseable(stream, limits);
        }
    }

    public static MessageFeatures FromMessage(MimeMessage message, MessageFeatureLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        limits ??= MessageFeatureLimits.Default;
        var malformed = new SortedSet<string>(StringComparer.Ordinal);

        var from = Addresses(message, message.From, "From", malformed);
        var body = new BodyCollector(limits, malformed);
        var attachments = new List<string>();
        var calendar = false;

        foreach (var entity in Walk(message.Body, malformed))
        {
            var type = entity.ContentType;
            if (type.IsMimeType("text", "calendar"))
            {
                calendar = true;
            }

            var isAttachment = entity.IsAttachment || (entity is MimePart && entity is not TextPart);
            if (entity is TextPart textPart && !entity.IsAttachment)
            {
                if (textPart.IsPlain || textPart.IsHtml)
                {
                    body.Offer(textPart);
                }

                continue;
            }

            if (isAttachment || entity is MessagePart)
            {
                var name = entity is MimePart part ? part.FileName : (entity as MessagePart)?.Message?.Subject;
                if (string.IsNullOrWhiteSpace(name) && entity is MimePart && !calendar)
                {
                    malformed.Add(MalformedKinds.Attachment);
                }

                attachments.Add(string.IsNullOrWhiteSpace(name) ? type.MimeType : name);
            }
        }

        if (message.Body is null && message.Headers.Count == 0)
        {
            malformed.Add(MalformedKinds.MimeStructure);
        }

        var (text, truncated, fromHtml) = body.Result();
        var features = new MessageFeatures
        {
            From = from.FirstOrDefault(),
            To = Addresses(message, message.To, "To", malformed),
            Cc = Addresses(message, message.Cc, "Cc", malformed),
            ReplyTo = Addresses(message, message.ReplyTo, "Reply-To", malformed),
            Subject = SafeHeader(() => message.Subject, malformed) ?? string.Empty,
            BodyText = text,
            BodyTruncated = truncated,
            BodyFromHtml = fromHtml,
            AttachmentCount = attachments.Count,
            AttachmentNames = attachments,
            HasCalendarPart = calendar,
            MalformedParts = malformed.ToArray(),
        };

        foreach (var header in message.Headers)
        {
            features.WithHeader(header.Field, SafeHeader(() => header.Value, malformed) ?? string.Empty);
        }

        return features;
    }

    private static IEnumerable<MimeEntity> Walk(MimeEntity? entity, ISet<string> malformed)
    {
        if (entity is null)
        {
            yield break;
        }

        if (entity is Multipart multipart)
        {
            if (multipart.Count == 0 || string.IsNullOrEmpty(multipart.Boundary))
            {
                malformed.Add(MalformedKinds.MimeStructure);
            }

            foreach (var child in multipart)
            {
                foreach (var leaf in Walk(child, malformed))
                {
                    yield return leaf;
                }
            }

            yield break;
        }

        yield return entity;
    }

    private static List<Mailbox> Addresses(MimeMessage message, InternetAddressList list, string header, ISet<string> malformed)
    {
        var result = new List<Mailbox>(list.Count);
        foreach (var mailbox in list.Mailboxes)
        {
            var address = Cleaned((mailbox.Address ?? string.Empty).Trim().ToLowerInvariant(), malformed, MalformedKinds.Header);
            var name = string.IsNullOrWhiteSpace(mailbox.Name) ? null : Cleaned(mailbox.Name.Trim(), malformed, MalformedKinds.Header);
            result.Add(new Mailbox(address, name));
        }

        // The header is there but not one address could be read from it.
        if (result.Count == 0 && message.Headers[header] is { } raw && !string.IsNullOrWhiteSpace(raw)
            && !raw.TrimEnd().EndsWith(":;", StringComparison.Ordinal))
        {
            malformed.Add(MalformedKinds.Header);
        }

        return result;
    }

    private static string? SafeHeader(Func<string?> read, ISet<string> malformed)
    {
        try
        {
            var value = read();
            if (value is not null && value.Contains('\uFFFD', StringComparison.Ordinal))
            {
                malformed.Add(MalformedKinds.Header);
            }

            return value is null ? null : Cleaned(value, malformed, MalformedKinds.Header);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or NotSupportedException or DecoderFallbackException)
        {
            malformed.Add(MalformedKinds.Header);
            return null;
        }
    }

    /// <summary>The text made safe to store and serialize (<see cref="SafeText"/>); a message that needed it gets the flag.</summary>
    private static string Cleaned(string text, ISet<string> malformed, string kind)
    {
        var clean = SafeText.Clean(text, out var changed);
        if (changed)
        {
            malformed.Add(kind);
        }

        return clean;
    }

    /// <summary>Falls back to "headers, blank line, body" when MimeKit cannot read the message at all.</summary>
    private static MessageFeatures FromUnparseable(Stream stream, MessageFeatureLimits limits)
    {
        string raw;
        try
        {
            if (stream.CanSeek)
            {
                stream.Position = 0;
            }

            raw = Encoding.Latin1.GetString(ReadCapped(stream, limits.MaxPartBytes));
        }
        catch (Exception exception) when (exception is IOException or NotSupportedException or ObjectDisposedException)
        {
            raw = string.Empty;
        }

        var malformed = new SortedSet<string>(StringComparer.Ordinal) { MalformedKinds.MimeStructure };
        raw = Cleaned(raw, malformed, MalformedKinds.BodyEncoding);
        var split = raw.IndexOf("\n\n", StringComparison.Ordinal);
        var body = split >= 0 ? raw[(split + 2)..] : raw;
        var truncated = body.Length > limits.MaxBodyChars;
        var features = new MessageFeatures
        {
            BodyText = SafeText.Cut(body, limits.MaxBodyChars),
            BodyTruncated = truncated,
            MalformedParts = malformed.ToArray(),
        };
        if (split >= 0)
        {
            foreach (var line in raw[..split].Split('\n'))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    features.WithHeader(line[..colon].Trim(), line[(colon + 1)..].Trim());
                }
            }
        }

        return features;
    }

    private static byte[] ReadCapped(Stream stream, int max)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (buffer.Length < max && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, max - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Keeps the first text/plain part, or the first HTML part converted to text when there is no plain one.</summary>
    private sealed class BodyCollector(MessageFeatureLimits limits, ISet<string> malformed)
    {
        private string? _plain;
        private string? _html;
        private bool _truncated;

        public void Offer(TextPart part)
        {
            if ((part.IsPlain && _plain is not null) || (part.IsHtml && _html is not null))
            {
                return;
            }

            var text = Decode(part);
            if (part.IsPlain)
            {
                _plain = text;
            }
            else
            {
                _html = text;
            }
        }

        public (string Text, bool Truncated, bool FromHtml) Result()
        {
            var fromHtml = _plain is null && _html is not null;
            var text = _plain ?? (_html is null ? string.Empty : ConvertHtml(_html));
            if (text.Length > limits.MaxBodyChars)
            {
                text = SafeText.Cut(text, limits.MaxBodyChars);
                _truncated = true;
            }

            return (text, _truncated, fromHtml);
        }

        private string ConvertHtml(string html)
        {
            try
            {
                return HtmlText.Convert(html);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                malformed.Add(MalformedKinds.BodyEncoding);
                return System.Text.RegularExpressions.Regex.Replace(html, "<[^>]*>", " ", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            }
        }

        private string Decode(TextPart part)
        {
            byte[] bytes;
            try
            {
                if (part.Content is null)
                {
                    return string.Empty;
                }

                using var decoded = new MemoryStream();
                using (var content = part.Content.Open())
                {
                    // Open() yields the decoded (base64 / quoted-printable) content.
                    var capped = ReadCapped(content, limits.MaxPartBytes);
                    decoded.Write(capped);
                    if (capped.Length >= limits.MaxPartBytes)
                    {
                        _truncated = true;
                    }
                }

                bytes = decoded.ToArray();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                malformed.Add(MalformedKinds.BodyEncoding);
                return string.Empty;
            }

            var charset = part.ContentType.Charset;
            Encoding encoding;
            if (string.IsNullOrWhiteSpace(charset))
            {
                encoding = LooksLikeUtf8(bytes) ? Encoding.UTF8 : Encoding.Latin1;
            }
            else
            {
                try
                {
                    encoding = Encoding.GetEncoding(charset.Trim().Trim('"'));
                }
                catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
                {
                    // An unknown charset: decode as UTF-8 when the bytes are valid UTF-8, else byte by byte.
                    malformed.Add(MalformedKinds.BodyEncoding);
                    encoding = LooksLikeUtf8(bytes) ? Encoding.UTF8 : Encoding.Latin1;
                }
            }

            var text = encoding.GetString(bytes);
            if (encoding.CodePage == Encoding.UTF8.CodePage && text.Contains('\uFFFD', StringComparison.Ordinal) && !LooksLikeUtf8(bytes))
            {
                malformed.Add(MalformedKinds.BodyEncoding);
            }

            return Cleaned(text, malformed, MalformedKinds.BodyEncoding);
        }

        private static bool LooksLikeUtf8(byte[] bytes)
        {
            try
            {
                _ = StrictUtf8.GetCharCount(bytes);
                return true;
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
        }

        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    }
}
