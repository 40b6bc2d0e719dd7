using GmailAutomation.GmailEmulator.Mailboxes;
using MimeKit;
using MimeKit.Utils;

namespace GmailAutomation.GmailEmulator.GmailApi;

/// <summary>What Gmail does to a message a user sends or saves as a draft (API-SUBSET §7).</summary>
public static class OutgoingMessages
{
    /// <summary>Decodes a <c>raw</c> field; bad base64 is Google's 400 INVALID_ARGUMENT.</summary>
    public static byte[] DecodeRaw(string? raw, string field)
    {
        if (string.IsNullOrEmpty(raw))
        {
            throw GmailApiException.InvalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
        }

        if (!Base64Url.TryDecode(raw, out var bytes))
        {
            var shown = raw.Length > 32 ? raw[..32] : raw;
            throw GmailApiException.InvalidArgument($"Invalid value at '{field}' (TYPE_BYTES), Base64 decoding failed for \"{shown}\"");
        }

        return bytes;
    }

    /// <summary>
    /// Fills in From (the sender's address), Date and Message-ID when missing; for a sent message also strips
    /// Bcc so the stored copy is what recipients see. Anything that is not MIME is kept as it is.
    /// </summary>
    public static ParsedMessage Prepare(byte[] raw, string senderEmail, DateTimeOffset now, bool sending)
    {
        MimeMessage mime;
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            mime = MimeMessage.Load(stream);
        }
        catch (FormatException)
        {
            return ParsedMessage.Parse(raw);
        }

        var changed = false;
        if (!mime.Headers.Contains(HeaderId.From))
        {
            mime.From.Add(MailboxAddress.Parse(senderEmail));
            changed = true;
        }

        if (!mime.Headers.Contains(HeaderId.Date))
        {
            mime.Date = now;
            changed = true;
        }

        if (string.IsNullOrEmpty(mime.MessageId))
        {
            mime.MessageId = MimeUtils.GenerateMessageId("mail.gmail-emulator.local");
            changed = true;
        }

        if (sending && mime.Headers.Contains(HeaderId.Bcc))
        {
            mime.Headers.RemoveAll(HeaderId.Bcc);
            changed = true;
        }

        if (!changed)
        {
            return ParsedMessage.Parse(raw);
        }

        using var output = new MemoryStream();
        mime.WriteTo(output);
        return ParsedMessage.Parse(output.ToArray());
    }

    /// <summary>Gmail refuses to send a message with nobody to send it to.</summary>
    public static void RequireRecipient(byte[] raw)
    {
        var parsed = ParsedMessage.Parse(raw);
        if (string.IsNullOrWhiteSpace(parsed.To) && string.IsNullOrWhiteSpace(parsed.Cc) && string.IsNullOrWhiteSpace(parsed.Bcc))
        {
            throw GmailApiException.InvalidArgument("Recipient address required");
        }
    }
}
