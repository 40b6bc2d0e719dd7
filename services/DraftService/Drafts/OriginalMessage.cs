using System.Text;
using GmailAutomation.GmailClient.Models;
using MimeKit;
using MimeKit.Utils;

namespace GmailAutomation.DraftService.Drafts;

/// <summary>What a reply needs from the message it answers: its addresses, subject, threading headers and whether it was HTML.</summary>
public sealed record OriginalMessage
{
    /// <summary>The headers read from Gmail (metadataHeaders) to build a reply, plus the draft-source header used to find our own drafts.</summary>
    public static readonly IReadOnlyList<string> HeaderNames =
        ["From", "Reply-To", "To", "Cc", "Subject", "Message-ID", "References", "In-Reply-To", ReplyBuilder.SourceHeader];

    public required string GmailMessageId { get; init; }

    public required string ThreadId { get; init; }

    public IReadOnlyList<MailboxAddress> From { get; init; } = [];

    public IReadOnlyList<MailboxAddress> ReplyTo { get; init; } = [];

    public IReadOnlyList<MailboxAddress> To { get; init; } = [];

    public IReadOnlyList<MailboxAddress> Cc { get; init; } = [];

    /// <summary>The decoded subject.</summary>
    public string Subject { get; init; } = string.Empty;

    /// <summary>The <c>Message-ID</c> without angle brackets, or null when the message had none.</summary>
    public string? MessageId { get; init; }

    /// <summary>The <c>References</c> ids (without angle brackets), oldest first.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>The <c>In-Reply-To</c> id (without angle brackets).</summary>
    public string? InReplyTo { get; init; }

    /// <summary>True when the message had an HTML body: the reply then carries an HTML alternative too.</summary>
    public bool IsHtml { get; init; }

    /// <summary>Reads a Gmail message in format metadata (or full); header values may be raw (RFC 2047 encoded words) or decoded.</summary>
    public static OriginalMessage FromGmail(GmailMessage message, bool isHtml)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new OriginalMessage
        {
            GmailMessageId = message.Id ?? string.Empty,
            ThreadId = message.ThreadId ?? string.Empty,
            From = Addresses(message.Header("From")),
            ReplyTo = Addresses(message.Header("Reply-To")),
            To = Addresses(message.Header("To")),
            Cc = Addresses(message.Header("Cc")),
            Subject = DecodeText(message.Header("Subject")),
            MessageId = MessageIdOf(message.Header("Message-ID")),
            References = message.Header("References") is { Length: > 0 } references ? [.. MimeUtils.EnumerateReferences(references)] : [],
            InReplyTo = MessageIdOf(message.Header("In-Reply-To")),
            IsHtml = isHtml,
        };
    }

    /// <summary>Whether a Gmail payload has an HTML body: the root, or any part that is not an attachment.</summary>
    public static bool? HasHtmlBody(GmailClient.Models.MessagePart? part)
    {
        if (part?.MimeType is not { } type)
        {
            return null;
        }

        if (type.Equals("text/html", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrEmpty(part.Filename);
        }

        if (type.Equals("multipart/alternative", StringComparison.OrdinalIgnoreCase) && part.Parts is null)
        {
            // Format metadata shows only the root: an alternative is, in practice, text plus HTML.
            return true;
        }

        if (type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            // Without the parts (format metadata) the answer needs the full message.
            return part.Parts is null ? null : part.Parts.Any(p => HasHtmlBody(p) == true);
        }

        return false;
    }

    internal static IReadOnlyList<MailboxAddress> Addresses(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }

        var raw = Encoding.UTF8.GetBytes(value);
        return InternetAddressList.TryParse(ParserOptions.Default, raw, out var list) ? [.. list.Mailboxes] : [];
    }

    internal static string DecodeText(string? value) =>
        string.IsNullOrEmpty(value) ? string.Empty : Rfc2047.DecodeText(Encoding.UTF8.GetBytes(value)).Trim();

    internal static string? MessageIdOf(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return MimeUtils.EnumerateReferences(value).FirstOrDefault() ?? value.Trim().Trim('<', '>');
    }
}
