using System.Text;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Tests;

/// <summary>Builds raw RFC 822 messages for tests (generated here, not taken from the corpus).</summary>
internal static class TestMail
{
    public static string Raw(
        string from = "Alice Example <alice@example.com>",
        string to = "me@example.org",
        string subject = "Hello",
        string body = "Just saying hello.",
        string? cc = null,
        params string[] headers)
    {
        var text = new StringBuilder();
        text.Append("From: ").Append(from).Append("\r\n");
        text.Append("To: ").Append(to).Append("\r\n");
        if (cc is not null)
        {
            text.Append("Cc: ").Append(cc).Append("\r\n");
        }

        text.Append("Subject: ").Append(subject).Append("\r\n");
        text.Append("Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n");
        text.Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append("@example.com>\r\n");
        foreach (var header in headers)
        {
            text.Append(header).Append("\r\n");
        }

        text.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        text.Append(body).Append("\r\n");
        return text.ToString();
    }

    public static MessageFeatures Features(
        string from = "Alice Example <alice@example.com>",
        string to = "me@example.org",
        string subject = "Hello",
        string body = "Just saying hello.",
        string? cc = null,
        params string[] headers) => Parse(Raw(from, to, subject, body, cc, headers));

    public static MessageFeatures Parse(string raw) => MessageFeatureExtractor.FromBytes(Encoding.UTF8.GetBytes(raw));

    public static MessageFeatures Parse(byte[] raw) => MessageFeatureExtractor.FromBytes(raw);
}
