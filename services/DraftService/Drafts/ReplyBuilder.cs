using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;

namespace GmailAutomation.DraftService.Drafts;

/// <summary>The inputs of one reply draft.</summary>
public sealed record ReplyRequest
{
    public required OriginalMessage Original { get; init; }

    /// <summary>The reply text, plain, signature included (as <c>ReplyGenerated</c> carries it).</summary>
    public required string ReplyText { get; init; }

    /// <summary>The account's own address: the sender of the reply and never one of its recipients.</summary>
    public required string OwnAddress { get; init; }

    public bool ReplyAll { get; init; }

    public required DateTimeOffset Date { get; init; }

    /// <summary>The reply's <c>Message-ID</c> (without angle brackets); null generates one in the own address's domain.</summary>
    public string? MessageId { get; init; }
}

/// <summary>
/// Builds a reply as an RFC 5322 message with MimeKit: To = Reply-To or From (the original recipients when the
/// user answers their own message), Cc = the other recipients for reply-all, never the user's own address;
/// <c>Re:</c> once however the original was prefixed; <c>In-Reply-To</c> and <c>References</c> so Gmail threads it;
/// text/plain, plus an HTML alternative when the original was HTML; UTF-8 with RFC 2047 encoded words in headers
/// and a 7-bit-safe transfer encoding for the bodies.
/// </summary>
public static partial class ReplyBuilder
{
    /// <summary>Names the Gmail message a draft answers, so a retry can find a draft written before a crash.</summary>
    public const string SourceHeader = "X-GmailAutomation-Source";

    /// <summary>References are cut to the first and the most recent ones beyond this (RFC 5322 allows it; long threads would grow without bound).</summary>
    public const int MaxReferences = 20;

    public static MimeMessage Build(ReplyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var original = request.Original;
        var own = MailboxAddress.Parse(request.OwnAddress);

        var message = new MimeMessage();
        message.From.Add(own);

        var (to, cc) = Recipients(original, own, request.ReplyAll);
        message.To.AddRange(to);
        message.Cc.AddRange(cc);
        message.Subject = ReplySubject(original.Subject);
        message.Date = request.Date;
        message.MessageId = request.MessageId ?? MimeUtils.GenerateMessageId(Domain(own.Address));

        if (original.MessageId is { } inReplyTo)
        {
            message.InReplyTo = inReplyTo;
            foreach (var reference in References(original))
            {
                message.References.Add(reference);
            }
        }

        message.Headers.Add(SourceHeader, original.GmailMessageId);

        var plain = new TextPart(TextFormat.Plain);
        plain.SetText(Encoding.UTF8, Normalize(request.ReplyText));
        if (original.IsHtml)
        {
            var html = new TextPart(TextFormat.Html);
            html.SetText(Encoding.UTF8, ToHtml(request.ReplyText));
            message.Body = new MultipartAlternative { plain, html };
        }
        else
        {
            message.Body = plain;
        }

        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }

    /// <summary>The message as CRLF bytes, what Gmail's <c>raw</c> takes.</summary>
    public static byte[] ToBytes(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        return stream.ToArray();
    }

    /// <summary><c>Re: </c> plus the subject without its leading reply prefixes (Re:, RE:, Aw:, Sv:, Antw:, Re[2]:…); a forward stays visible (<c>Re: Fwd: …</c>).</summary>
    public static string ReplySubject(string subject)
    {
        var current = (subject ?? string.Empty).Trim();
        while (ReplyPrefix().Match(current) is { Success: true } prefix)
        {
            current = current[prefix.Length..].TrimStart();
        }

        return current.Length == 0 ? "Re:" : "Re: " + current;
    }

    /// <summary>
    /// To and Cc of the reply. To is Reply-To, else From; when the original came from the user themselves, the reply
    /// goes to its recipients as Gmail does. Reply-all adds the original To and Cc as Cc. The own address (with Gmail's
    /// dot and plus-tag equivalence) and duplicates are left out.
    /// </summary>
    public static (IReadOnlyList<MailboxAddress> To, IReadOnlyList<MailboxAddress> Cc) Recipients(OriginalMessage original, MailboxAddress own, bool replyAll)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(own);
        var seen = new HashSet<string>(StringComparer.Ordinal) { Canonical(own.Address) };
        var fromSelf = original.From.Count > 0 && original.From.All(a => Canonical(a.Address) == Canonical(own.Address));

        IEnumerable<MailboxAddress> primary = fromSelf
            ? original.To
            : original.ReplyTo.Count > 0 ? original.ReplyTo : original.From;
        var to = Distinct(primary, seen);
        var cc = replyAll ? Distinct(original.To.Concat(original.Cc), seen) : [];
        if (to.Count == 0 && cc.Count > 0)
        {
            // Only Cc recipients are left (e.g. the user wrote to themselves and copied others): promote the first.
            to = [cc[0]];
            cc = [.. cc.Skip(1)];
        }

        return (to, cc);
    }

    /// <summary>The address as Gmail compares it: lowercased, and for gmail.com without dots and +tags.</summary>
    public static string Canonical(string address)
    {
        var lower = (address ?? string.Empty).Trim().ToLowerInvariant();
        var at = lower.LastIndexOf('@');
        if (at <= 0)
        {
            return lower;
        }

        var local = lower[..at];
        var domain = lower[(at + 1)..];
        if (domain is "gmail.com" or "googlemail.com")
        {
            var plus = local.IndexOf('+', StringComparison.Ordinal);
            local = (plus >= 0 ? local[..plus] : local).Replace(".", string.Empty, StringComparison.Ordinal);
            domain = "gmail.com";
        }

        return local + "@" + domain;
    }

    private static List<MailboxAddress> Distinct(IEnumerable<MailboxAddress> addresses, HashSet<string> seen)
    {
        var result = new List<MailboxAddress>();
        foreach (var address in addresses)
        {
            if (!string.IsNullOrWhiteSpace(address.Address) && seen.Add(Canonical(address.Address)))
            {
                result.Add(new MailboxAddress(address.Name, address.Address));
            }
        }

        return result;
    }

    /// <summary>The original's References (or its In-Reply-To when it has none) followed by its Message-ID (RFC 5322 §3.6.4).</summary>
    private static IEnumerable<string> References(OriginalMessage original)
    {
        var chain = original.References.Count > 0
            ? original.References.ToList()
            : original.InReplyTo is { } parent ? [parent] : [];
        chain.Add(original.MessageId!);
        chain = [.. chain.Distinct(StringComparer.Ordinal)];
        if (chain.Count > MaxReferences)
        {
            // Keep the thread's root and the most recent ones, as mail clients do.
            chain = [chain[0], .. chain.Skip(chain.Count - (MaxReferences - 1))];
        }

        return chain;
    }

    private static string Domain(string address)
    {
        var at = address.LastIndexOf('@');
        return at >= 0 && at < address.Length - 1 ? address[(at + 1)..] : "gmail-automation.local";
    }

    private static string Normalize(string text) => (text ?? string.Empty).ReplaceLineEndings("\n").TrimEnd() + "\n";

    /// <summary>The plain text as minimal HTML: escaped, paragraphs on blank lines, line breaks kept.</summary>
    private static string ToHtml(string text)
    {
        var builder = new StringBuilder("<div dir=\"auto\">\n");
        var paragraphs = Normalize(text).TrimEnd('\n').Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        foreach (var paragraph in paragraphs)
        {
            builder.Append("<p>")
                .Append(string.Join("<br>\n", paragraph.Split('\n').Select(Escape)))
                .Append("</p>\n");
        }

        return builder.Append("</div>\n").ToString();
    }

    private static string Escape(string line)
    {
        var builder = new StringBuilder(line.Length);
        foreach (var c in line)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^(?:re|aw|sv|svar|antw|odp|vs|ynt|rif|r[eé]f|res)\s*(?:\[\d+\]|\(\d+\))?\s*:", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReplyPrefix();
}
