using System.Text;
using GmailAutomation.EmailService.Sync;
using GmailAutomation.GmailClient.Models;
using GmailAutomation.IntegrationEvents;

namespace GmailAutomation.EmailService.Tests;

public sealed class AdaptivePollingTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan Preferred = TimeSpan.FromMinutes(5);

    [Fact]
    public void Mail_arriving_makes_polling_faster_down_to_the_minimum()
    {
        var interval = Preferred;
        for (var i = 0; i < 10; i++)
        {
            interval = AdaptivePolling.Next(interval, foundMail: true, Preferred, adaptive: true, Min, Max);
        }

        Assert.Equal(Min, interval);
    }

    [Fact]
    public void An_idle_mailbox_is_polled_more_slowly_up_to_the_maximum()
    {
        var interval = Min;
        var seen = new List<TimeSpan>();
        for (var i = 0; i < 30; i++)
        {
            interval = AdaptivePolling.Next(interval, foundMail: false, Preferred, adaptive: true, Min, Max);
            seen.Add(interval);
        }

        Assert.Contains(Preferred, seen);
        Assert.Equal(Max, interval);
    }

    [Fact]
    public void Without_adaptive_polling_the_users_interval_holds()
    {
        Assert.Equal(Preferred, AdaptivePolling.Next(Min, foundMail: true, Preferred, adaptive: false, Min, Max));
        Assert.Equal(Max, AdaptivePolling.Next(Min, foundMail: false, TimeSpan.FromHours(5), adaptive: false, Min, Max));
    }
}

public sealed class HistoryCandidateTests
{
    private static GmailMessage Message(string id, params string[] labels) => new() { Id = id, ThreadId = id, LabelIds = labels };

    [Fact]
    public void Added_messages_count_unless_drafts_spam_or_deleted_later_and_leaving_spam_counts()
    {
        HistoryRecord[] records =
        [
            new() { Id = 10, MessagesAdded = [new() { Message = Message("a", "INBOX") }, new() { Message = Message("d", "DRAFT") }] },
            new() { Id = 11, MessagesAdded = [new() { Message = Message("s", "SPAM") }, new() { Message = Message("x", "INBOX") }] },
            new() { Id = 12, LabelsRemoved = [new() { Message = Message("s", "INBOX"), LabelIds = ["SPAM"] }, new() { Message = Message("a", "INBOX"), LabelIds = ["UNREAD"] }] },
            new() { Id = 13, MessagesDeleted = [new() { Message = Message("x") }] },
        ];

        Assert.Equal(["a", "s"], AccountSyncer.Candidates(records));
    }
}

public sealed class EmailReceivedFactoryTests
{
    private static GmailMessage Raw(string mime) => new()
    {
        Id = "m1",
        ThreadId = "t1",
        HistoryId = 42,
        InternalDate = 1_700_000_000_000,
        LabelIds = ["INBOX", "UNREAD"],
        Snippet = "snippet",
        Raw = Encoding.UTF8.GetBytes(mime.ReplaceLineEndings("\r\n")),
    };

    [Fact]
    public void Html_becomes_text_attachments_are_listed_and_headers_carried()
    {
        const string mime = """
            From: "Bob" <bob@example.com>
            To: a@example.com, "C" <c@example.com>
            Cc: d@example.com
            Reply-To: replies@example.com
            Subject: Report
            Message-ID: <m1@example.com>
            References: <r1@example.com> <r2@example.com>
            In-Reply-To: <r2@example.com>
            List-Id: <news.example.com>
            List-Unsubscribe: <mailto:unsub@example.com>
            Auto-Submitted: auto-generated
            Precedence: bulk
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/html; charset=utf-8

            <html><body><p>Hello <b>world</b></p></body></html>
            --b
            Content-Type: application/pdf; name="report.pdf"
            Content-Disposition: attachment; filename="report.pdf"
            Content-Transfer-Encoding: base64

            AAECAwQFBgcICQ==
            --b--
            """;

        var received = EmailReceivedFactory.Create(Guid.NewGuid(), Raw(mime), EmailSyncSources.Incremental, 64 * 1024);

        Assert.Equal("bob@example.com", received.From!.Address);
        Assert.Equal(["a@example.com", "c@example.com"], received.To.Select(t => t.Address));
        Assert.Equal("d@example.com", Assert.Single(received.Cc).Address);
        Assert.Equal("replies@example.com", Assert.Single(received.ReplyTo).Address);
        Assert.Equal("<m1@example.com>", received.MessageIdHeader);
        Assert.Equal(["r1@example.com", "r2@example.com"], received.References);
        Assert.Equal("<news.example.com>", received.ListId);
        Assert.Equal("auto-generated", received.AutoSubmitted);
        Assert.Equal("bulk", received.Precedence);
        Assert.Contains("Hello world", received.BodyText);
        Assert.DoesNotContain("<b>", received.BodyText);
        var attachment = Assert.Single(received.Attachments);
        Assert.Equal(("report.pdf", 10L, "application/pdf"), (attachment.FileName, attachment.SizeBytes, attachment.MimeType));
        Assert.Equal((ulong)42, received.HistoryId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), received.InternalDate);
        Assert.Empty(received.MalformedParts);
    }

    [Fact]
    public void A_long_body_is_cut_and_flagged()
    {
        var mime = "From: a@example.com\nSubject: long\nContent-Type: text/plain\n\n" + new string('x', 5000) + "\n";
        var received = EmailReceivedFactory.Create(Guid.NewGuid(), Raw(mime), EmailSyncSources.Initial, 1024);
        Assert.True(received.BodyTruncated);
        Assert.True(received.BodyText.Length <= 1024);
    }

    [Fact]
    public void Broken_mime_is_flagged_and_still_becomes_an_event()
    {
        const string mime = """
            From: a@example.com
            Subject: =?utf-8?B?broken!!?=
            Content-Type: multipart/mixed; boundary="never-closed"

            --never-closed
            Content-Type: text/plain

            Body text survives
            """;

        var received = EmailReceivedFactory.Create(Guid.NewGuid(), Raw(mime), EmailSyncSources.Initial, 64 * 1024);

        Assert.Equal("m1", received.GmailMessageId);
        Assert.Contains("Body text survives", received.BodyText);
        Assert.NotEmpty(received.MalformedParts);
    }
}
