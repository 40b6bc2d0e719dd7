using System.Text;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;
using GmailAutomation.MailParsing;
using MimeKit;

namespace GmailAutomation.EmailService.Sync;

/// <summary>
/// Turns a Gmail message (format <c>raw</c>) into <see cref="EmailReceived"/>. Never throws on bad mail: whatever
/// cannot be read is flagged in <see cref="EmailReceived.MalformedParts"/> and the rest is carried as well as it parses.
/// </summary>
public static class EmailReceivedFactory
{
    private static readonly ParserOptions Loose = new()
    {
        AllowAddressesWithoutDomain = true,
        AddressParserComplianceMode = RfcComplianceMode.Loose,
        ParameterComplianceMode = RfcComplianceMode.Loose,
        Rfc2047ComplianceMode = RfcComplianceMode.Loose,
        CharsetEncoding = Encoding.Latin1,
    };

    public static EmailReceived Create(Guid accountId, GmailMessage message, string source, int maxBodyChars)
    {
        ArgumentNullException.ThrowIfNull(message);
        var raw = message.Raw ?? [];
        var limits = new MessageFeatureLimits { MaxBodyChars = maxBodyChars };
        var malformed = new SortedSet<string>(StringComparer.Ordinal);
        MessageFeatures features;
        IReadOnlyList<EmailAttachment> attachments = [];
        MimeMessage? mime = null;
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            mime = MimeMessage.Load(Loose, stream);
            features = MessageFeatureExtractor.FromMessage(mime, limits);
            attachments = Attachments(mime, malformed);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The feature extractor has its own last-resort reading of unparseable bytes.
            features = MessageFeatureExtractor.FromBytes(raw, limits);
            malformed.Add(MalformedPartKinds.MimeStructure);
        }

        malformed.UnionWith(features.MalformedParts);
        return new EmailReceived
        {
            AccountId = accountId,
            GmailMessageId = message.Id ?? string.Empty,
            ThreadId = message.ThreadId ?? string.Empty,
            HistoryId = message.HistoryId ?? 0,
            InternalDate = message.InternalDateTime ?? DateTimeOffset.UnixEpoch,
            Source = source,
            From = features.From is { } from ? new MailAddress(from.Address, from.Name) : null,
            To = Addresses(features.To),
            Cc = Addresses(features.Cc),
            ReplyTo = Addresses(features.ReplyTo),
            Subject = features.Subject,
            MessageIdHeader = Safe(() => mime?.MessageId is { Length: > 0 } id ? $"<{id}>" : null) ?? features.Header("Message-ID"),
            References = Safe(() => mime?.References.ToList()) ?? SplitReferences(features.Header("References")),
            InReplyTo = Safe(() => mime?.InReplyTo is { Length: > 0 } reply ? $"<{reply}>" : null) ?? features.Header("In-Reply-To"),
            ListUnsubscribe = features.ListUnsubscribe,
            ListId = features.ListId,
            AutoSubmitted = features.AutoSubmitted,
            Precedence = features.Precedence,
            LabelIds = message.LabelIds ?? [],
            Snippet = message.Snippet ?? string.Empty,
            BodyText = features.BodyText,
            BodyTruncated = features.BodyTruncated,
            Attachments = attachments,
            MalformedParts = [.. malformed],
        };
    }

    private static List<MailAddress> Addresses(IReadOnlyList<MailParsing.Mailbox> mailboxes) =>
        [.. mailboxes.Select(m => new MailAddress(m.Address, m.Name))];

    private static List<string> SplitReferences(string? header) =>
        header is null ? [] : [.. header.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)];

    private static T? Safe<T>(Func<T?> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (Exception exception) when (exception is FormatException or ParseException or ArgumentException)
        {
            return null;
        }
    }

    private static List<EmailAttachment> Attachments(MimeMessage mime, SortedSet<string> malformed)
    {
        var found = new List<EmailAttachment>();
        foreach (var part in mime.BodyParts.OfType<MimePart>())
        {
            var isAttachment = part.IsAttachment || (part is not TextPart && part.FileName is { Length: > 0 });
            if (!isAttachment)
            {
                continue;
            }

            var name = part.FileName;
            if (string.IsNullOrWhiteSpace(name))
            {
                malformed.Add(MalformedPartKinds.Attachment);
                name = "unnamed";
            }

            long size = 0;
            try
            {
                using var counter = new CountingStream();
                part.Content?.DecodeTo(counter);
                size = counter.Length;
            }
            catch (Exception exception) when (exception is FormatException or IOException or ArgumentException)
            {
                malformed.Add(MalformedPartKinds.BodyEncoding);
            }

            found.Add(new EmailAttachment(name, size, part.ContentType.MimeType));
        }

        return found;
    }

    /// <summary>Counts bytes written to it and keeps none (attachment sizes without holding the content).</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;
    }
}
