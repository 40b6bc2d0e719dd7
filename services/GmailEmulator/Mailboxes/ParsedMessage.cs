using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace GmailAutomation.GmailEmulator.Mailboxes;

/// <summary>
/// An RFC 822 message as stored: the original bytes plus what search, threading and listing need, computed once
/// on arrival. Immutable, so readers use it outside the mailbox lock. Malformed MIME is kept as it came and
/// parsed on a best-effort basis.
/// </summary>
public sealed partial class ParsedMessage
{
    private const int SnippetLength = 200;
    private const int MaxSearchBodyChars = 64 * 1024;

    private ParsedMessage(byte[] raw)
    {
        Raw = raw;
    }

    public byte[] Raw { get; }

    public string Subject { get; private init; } = string.Empty;
    public string From { get; private init; } = string.Empty;
    public string To { get; private init; } = string.Empty;
    public string Cc { get; private init; } = string.Empty;
    public string Bcc { get; private init; } = string.Empty;

    /// <summary>The Message-ID header with its angle brackets, or empty.</summary>
    public string MessageId { get; private init; } = string.Empty;
    public string InReplyTo { get; private init; } = string.Empty;
    public IReadOnlyList<string> References { get; private init; } = [];
    public DateTimeOffset? Date { get; private init; }

    /// <summary>About 200 characters of body text, HTML-entity-escaped as Gmail's snippets are.</summary>
    public string Snippet { get; private init; } = string.Empty;

    /// <summary>Lowercased subject and body text, for bare-word search.</summary>
    public string SearchText { get; private init; } = string.Empty;

    public bool HasAttachment { get; private init; }

    /// <summary>Subject without Re:/Fwd: prefixes, lowercased: what Gmail's threading compares.</summary>
    public string ThreadSubject { get; private init; } = string.Empty;

    public int SizeEstimate => Raw.Length;

    /// <summary>The full-format payload tree, already serialized (rendered once from the parse done on arrival).</summary>
    public byte[] FullPayloadJson { get; private init; } = [];

    /// <summary>True when <c>In-Reply-To</c> or <c>References</c> holds at least one RFC 2822 msg-id.</summary>
    public bool HasValidReplyHeaders => IsMsgId(InReplyTo) || References.Any(IsMsgId);

    public static ParsedMessage Parse(byte[] raw)
    {
        MimeMessage? mime;
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            mime = MimeMessage.Load(stream);
        }
        catch (FormatException)
        {
            mime = null;
        }

        if (mime is null)
        {
            var text = Encoding.Latin1.GetString(raw);
            return new ParsedMessage(raw)
            {
                FullPayloadJson = GmailApi.MessageRenderer.SerializeFullPayload(null, raw),
                Snippet = MakeSnippet(text),
                SearchText = Truncate(text).ToLowerInvariant(),
            };
        }

        var body = BodyText(mime);
        var subject = mime.Subject ?? string.Empty;
        return new ParsedMessage(raw)
        {
            Subject = subject,
            From = mime.Headers[HeaderId.From] ?? string.Empty,
            To = mime.Headers[HeaderId.To] ?? string.Empty,
            Cc = mime.Headers[HeaderId.Cc] ?? string.Empty,
            Bcc = mime.Headers[HeaderId.Bcc] ?? string.Empty,
            MessageId = mime.MessageId is { Length: > 0 } id ? "<" + id + ">" : string.Empty,
            InReplyTo = (mime.Headers[HeaderId.InReplyTo] ?? string.Empty).Trim(),
            References = MsgIdPattern().Matches(mime.Headers[HeaderId.References] ?? string.Empty).Select(m => m.Value).ToArray(),
            Date = mime.Headers.Contains(HeaderId.Date) ? mime.Date : null,
            Snippet = MakeSnippet(body),
            SearchText = (subject + "\n" + Truncate(body)).ToLowerInvariant(),
            HasAttachment = mime.BodyParts.Any(IsAttachmentPart),
            ThreadSubject = NormalizeSubject(subject),
            FullPayloadJson = GmailApi.MessageRenderer.SerializeFullPayload(mime, raw),
        };
    }

    /// <summary>Gmail's attachment rule: a leaf part with a filename, or any part that is not text.</summary>
    public static bool IsAttachmentPart(MimeEntity entity) => entity switch
    {
        Multipart => false,
        MessagePart => true,
        MimePart part => !string.IsNullOrEmpty(part.FileName) || !part.ContentType.IsMimeType("text", "*"),
        _ => false,
    };

    /// <summary>Strips any number of Re:/Fwd:/Fw: prefixes, collapses spaces and lowercases.</summary>
    public static string NormalizeSubject(string subject)
    {
        var current = subject.Trim();
        while (true)
        {
            var stripped = ReplyPrefix().Replace(current, string.Empty, 1);
            if (stripped.Length == current.Length)
            {
                break;
            }

            current = stripped.Trim();
        }

        return Whitespace().Replace(current, " ").ToLowerInvariant();
    }

    public static bool IsMsgId(string value) => MsgIdPattern().IsMatch(value);

    private static string BodyText(MimeMessage mime)
    {
        try
        {
            if (mime.TextBody is { Length: > 0 } text)
            {
                return text;
            }

            if (mime.HtmlBody is { Length: > 0 } html)
            {
                return HtmlToText(html);
            }
        }
        catch (Exception exception) when (exception is FormatException or NotSupportedException or ArgumentException)
        {
            // An unknown charset or broken encoding: the message is still stored, just without searchable text.
        }

        return string.Empty;
    }

    private static string HtmlToText(string html)
    {
        var withoutBlocks = ScriptOrStyle().Replace(html, " ");
        var withoutTags = Tag().Replace(withoutBlocks, " ");
        return WebUtility.HtmlDecode(withoutTags);
    }

    private static string MakeSnippet(string text)
    {
        var collapsed = Whitespace().Replace(text, " ").Trim();
        if (collapsed.Length > SnippetLength)
        {
            collapsed = collapsed[..SnippetLength];
        }

        return EscapeHtml(collapsed);
    }

    /// <summary>Escapes the way Gmail's snippets are escaped (<c>'</c> becomes <c>&amp;#39;</c>).</summary>
    public static string EscapeHtml(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    private static string Truncate(string text) => text.Length > MaxSearchBodyChars ? text[..MaxSearchBodyChars] : text;

    [GeneratedRegex(@"^\s*(re|fwd?|aw|sv|tr)\s*(\[\d+\])?\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex ReplyPrefix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"<[^<>@\s]+@[^<>@\s]+>")]
    private static partial Regex MsgIdPattern();

    [GeneratedRegex(@"<(script|style)[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();
}
