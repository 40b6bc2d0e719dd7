using System.Text;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Tests;

public sealed class MessageFeatureExtractorTests
{
    [Fact]
    public void Reads_addresses_subject_body_and_any_header()
    {
        var message = TestMail.Features(
            from: "\"Bob B.\" <Bob@Example.COM>",
            to: "me@example.org, other@example.org",
            cc: "boss@example.org",
            subject: "=?utf-8?B?w4lsw6h2ZQ==?= report",
            body: "Body text here.",
            headers: ["X-Mailer: Outlook 11", "List-Id: <team.lists.example.org>", "Precedence: bulk"]);

        Assert.Equal("bob@example.com", message.From!.Address);
        Assert.Equal("Bob B.", message.From.Name);
        Assert.Equal("example.com", message.From.Domain);
        Assert.Equal(["me@example.org", "other@example.org"], message.To.Select(a => a.Address));
        Assert.Equal("boss@example.org", Assert.Single(message.Cc).Address);
        Assert.Equal("Élève report", message.Subject);
        Assert.Equal("Body text here.", message.BodyText.Trim());
        Assert.Equal("Outlook 11", message.Header("x-mailer"));
        Assert.Equal("<team.lists.example.org>", message.ListId);
        Assert.Equal("bulk", message.Precedence);
        Assert.Empty(message.MalformedParts);
    }

    [Fact]
    public void Html_only_mail_becomes_readable_text_without_scripts_or_styles()
    {
        const string raw = "From: shop@example.com\r\nTo: me@example.org\r\nSubject: Hi\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/html; charset=utf-8\r\n\r\n" +
            "<html><head><style>p{color:red}</style><title>T</title></head><body><p>Hello &amp; welcome</p>" +
            "<script>alert('x')</script><div>Second line</div></body></html>\r\n";

        var message = TestMail.Parse(raw);

        Assert.True(message.BodyFromHtml);
        Assert.Contains("Hello & welcome", message.BodyText, StringComparison.Ordinal);
        Assert.Contains("Second line", message.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", message.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("color", message.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public void Finds_calendar_parts_and_attachments()
    {
        const string raw = "From: a@example.com\r\nTo: me@example.org\r\nSubject: Invite\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain\r\n\r\nSee invite.\r\n" +
            "--b1\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" +
            "--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"agenda.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n" +
            "--b1--\r\n";

        var message = TestMail.Parse(raw);

        Assert.True(message.HasCalendarPart);
        Assert.True(message.HasAttachment);
        Assert.Contains("agenda.pdf", message.AttachmentNames);
        Assert.Equal("See invite.", message.BodyText.Trim());
    }

    [Fact]
    public void A_multipart_without_a_boundary_is_flagged_not_thrown()
    {
        const string raw = "From: a@example.com\r\nTo: me@example.org\r\nSubject: Broken\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed\r\n\r\nsome text without any boundary\r\n";

        var message = TestMail.Parse(raw);

        Assert.Contains(MalformedKinds.MimeStructure, message.MalformedParts);
        Assert.Equal("Broken", message.Subject);
    }

    [Fact]
    public void An_unknown_charset_is_decoded_as_well_as_possible_and_flagged()
    {
        const string raw = "From: a@example.com\r\nTo: me@example.org\r\nSubject: Charset\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=x-klingon-42\r\n\r\nplain ascii words survive\r\n";

        var message = TestMail.Parse(raw);

        Assert.Contains(MalformedKinds.BodyEncoding, message.MalformedParts);
        Assert.Contains("plain ascii words survive", message.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public void Legacy_charsets_are_decoded()
    {
        var header = Encoding.ASCII.GetBytes("From: a@example.com\r\nTo: me@example.org\r\nSubject: Cyr\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n");
        var body = new byte[] { 0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2 }; // "Привет" in windows-1251

        var message = TestMail.Parse([.. header, .. body]);

        Assert.Equal("Привет", message.BodyText.Trim());
        Assert.Empty(message.MalformedParts);
    }

    [Fact]
    public void Huge_bodies_are_cut_at_the_limit()
    {
        var message = TestMail.Features(body: new string('x', 3 * 1024 * 1024));

        Assert.True(message.BodyTruncated);
        Assert.Equal(MessageFeatureLimits.Default.MaxBodyChars, message.BodyText.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n\r\n")]
    [InlineData("not an email at all, just a line")]
    [InlineData("From: <<<@@@>>>\r\nSubject: =?bogus?Q?broken?=\r\n\r\n")]
    public void Garbage_never_throws(string raw)
    {
        var message = TestMail.Parse(raw);

        Assert.NotNull(message.BodyText);
        Assert.NotNull(message.Subject);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(42);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(0, 4000)];
            random.NextBytes(bytes);
            var message = TestMail.Parse(bytes);
            Assert.NotNull(message);
        }
    }

    [Fact]
    public void An_unreadable_from_header_is_flagged()
    {
        var message = TestMail.Parse("From: \"unterminated\r\nTo: me@example.org\r\nSubject: x\r\n\r\nbody\r\n");

        Assert.Null(message.From);
        Assert.Contains(MalformedKinds.Header, message.MalformedParts);
    }
}
