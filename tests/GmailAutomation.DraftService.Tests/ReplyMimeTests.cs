using System.Text;
using GmailAutomation.DraftService.Drafts;
using GmailAutomation.DraftService.Tests.Support;
using GmailAutomation.GmailClient.Models;
using MimeKit;
using MessagePart = GmailAutomation.GmailClient.Models.MessagePart;

namespace GmailAutomation.DraftService.Tests;

/// <summary>The reply's RFC 822 text, against committed snapshots, and what a mail reader sees when it parses it back.</summary>
public sealed class ReplyMimeTests
{
    private const string Own = "user@example.com";
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 11, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Plain_reply_to_a_plain_message()
    {
        var original = Original(
            ("From", "Alice Example <alice@example.com>"),
            ("To", "user@example.com"),
            ("Subject", "Lunch on Friday?"),
            ("Message-ID", "<lunch-1@example.com>"));

        var (text, parsed) = Build(original, "Hi Alice,\n\nFriday works for me.\n\nBest,\nUser");

        Snapshot.Verify("plain", text);
        Assert.Equal("Re: Lunch on Friday?", parsed.Subject);
        Assert.Equal(["alice@example.com"], parsed.To.Mailboxes.Select(m => m.Address));
        Assert.Empty(parsed.Cc);
        Assert.Equal(Own, parsed.From.Mailboxes.Single().Address);
        Assert.Equal("lunch-1@example.com", parsed.InReplyTo);
        Assert.Equal(["lunch-1@example.com"], parsed.References);
        Assert.Equal("text/plain", parsed.Body!.ContentType.MimeType);
        Assert.Equal("Hi Alice,\n\nFriday works for me.\n\nBest,\nUser\n", parsed.TextBody!.ReplaceLineEndings("\n"));
        Assert.Equal("msg-1", parsed.Headers[ReplyBuilder.SourceHeader]);
    }

    [Fact]
    public void Html_original_gets_an_html_alternative_with_the_text_escaped()
    {
        var original = Original(
            [("From", "Shop <orders@shop.example>"), ("To", Own), ("Subject", "Your order <#123> & delivery"), ("Message-ID", "<order-123@shop.example>")],
            isHtml: true);

        var (text, parsed) = Build(original, "Hello,\n\nplease deliver after 5 pm <not before> & ring twice.\nThanks");

        Snapshot.Verify("html-original", text);
        var alternative = Assert.IsType<MultipartAlternative>(parsed.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Contains("&lt;not before&gt; &amp; ring twice.<br>", parsed.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("please deliver after 5 pm <not before> & ring twice.", parsed.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_ascii_names_subject_and_text_are_encoded_and_come_back_intact()
    {
        // Gmail hands header values over as they were written: RFC 2047 encoded words here.
        var original = Original(
            ("From", "=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>"),
            ("To", "=?UTF-8?B?w5NzY2FyIE7DusOxZXo=?= <user@example.com>"),
            ("Subject", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen_=E2=80=93_Angebot?="),
            ("Message-ID", "<angebot-7@example.de>"));

        var reply = "Hallo Jürgen,\n\nvielen Dank für das Angebot – die Größe passt. 👍\n\nViele Grüße\nÓscar Núñez";
        var (text, parsed) = Build(original, reply);

        Snapshot.Verify("non-ascii", text);
        Assert.True(text.All(c => c < 128), "the raw message must be 7-bit clean");
        Assert.Contains("=?utf-8?", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Re: Grüße aus München – Angebot", parsed.Subject);
        Assert.Equal("Jürgen Müller", parsed.To.Mailboxes.Single().Name);
        Assert.Equal(reply + "\n", parsed.TextBody!.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("Budget 2026", "Re: Budget 2026")]
    [InlineData("Re: Budget 2026", "Re: Budget 2026")]
    [InlineData("RE: Aw: Re[2]: Budget 2026", "Re: Budget 2026")]
    [InlineData("AW: SV: Antw: Budget 2026", "Re: Budget 2026")]
    [InlineData("re : Réf: Budget 2026", "Re: Budget 2026")]
    [InlineData("Fwd: Contract draft", "Re: Fwd: Contract draft")]
    [InlineData("Re: Fwd: Contract draft", "Re: Fwd: Contract draft")]
    [InlineData("Regarding: the plan", "Re: Regarding: the plan")]
    [InlineData("Review: Q3", "Re: Review: Q3")]
    [InlineData("", "Re:")]
    public void Re_prefix_is_written_once(string subject, string expected) =>
        Assert.Equal(expected, ReplyBuilder.ReplySubject(subject));

    [Fact]
    public void Stacked_prefixes_and_reply_to_snapshot()
    {
        var original = Original(
            ("From", "Bob Builder <bob@example.com>"),
            ("Reply-To", "Billing Team <billing@example.com>"),
            ("To", Own),
            ("Subject", "RE: Aw: Re[2]: Budget 2026"),
            ("Message-ID", "<budget-3@example.com>"),
            ("In-Reply-To", "<budget-2@example.com>"));

        var (text, parsed) = Build(original, "Approved.");

        Snapshot.Verify("re-stacking", text);
        Assert.Equal("Re: Budget 2026", parsed.Subject);
        Assert.Equal(["billing@example.com"], parsed.To.Mailboxes.Select(m => m.Address));

        // No References on the original: the chain is its In-Reply-To, then its Message-ID.
        Assert.Equal(["budget-2@example.com", "budget-3@example.com"], parsed.References);
    }

    [Fact]
    public void Reply_all_copies_everyone_but_the_own_address()
    {
        var original = Original(
            ("From", "Bob <bob@example.com>"),
            ("To", "user@example.com, Carol <carol@example.com>"),
            ("Cc", "Me Myself <USER@Example.com>, dave@example.com, bob@example.com, Carol <CAROL@example.com>"),
            ("Subject", "Offsite planning"),
            ("Message-ID", "<offsite@example.com>"));

        var (text, parsed) = Build(original, "Count me in.", replyAll: true);

        Snapshot.Verify("reply-all", text);
        Assert.Equal(["bob@example.com"], parsed.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(["carol@example.com", "dave@example.com"], parsed.Cc.Mailboxes.Select(m => m.Address));
        Assert.DoesNotContain(parsed.To.Mailboxes.Concat(parsed.Cc.Mailboxes), m => m.Address.Equals(Own, StringComparison.OrdinalIgnoreCase));

        var (_, single) = Build(original, "Count me in.", replyAll: false);
        Assert.Equal(["bob@example.com"], single.To.Mailboxes.Select(m => m.Address));
        Assert.Empty(single.Cc);
    }

    [Fact]
    public void References_chain_keeps_the_thread_and_ends_with_the_original()
    {
        var original = Original(
            ("From", "Erin <erin@example.org>"),
            ("To", Own),
            ("Subject", "Re: Re: Release checklist"),
            ("Message-ID", "<r3@example.org>"),
            ("In-Reply-To", "<r2@example.org>"),
            ("References", "<r1@example.org>\r\n <r2@example.org>"));

        var (text, parsed) = Build(original, "Done on my side.");

        Snapshot.Verify("references", text);
        Assert.Equal(["r1@example.org", "r2@example.org", "r3@example.org"], parsed.References);
        Assert.Equal("r3@example.org", parsed.InReplyTo);
    }

    [Fact]
    public void A_long_references_chain_keeps_the_root_and_the_latest()
    {
        var references = string.Join(' ', Enumerable.Range(1, 30).Select(i => $"<m{i}@example.org>"));
        var original = Original(("From", "erin@example.org"), ("Subject", "Long thread"), ("Message-ID", "<m31@example.org>"), ("References", references));

        var (_, parsed) = Build(original, "Ok.");

        Assert.Equal(ReplyBuilder.MaxReferences, parsed.References.Count);
        Assert.Equal("m1@example.org", parsed.References[0]);
        Assert.Equal("m31@example.org", parsed.References[^1]);
        Assert.Equal("m13@example.org", parsed.References[1]);
    }

    [Fact]
    public void Replying_to_a_message_the_user_sent_goes_to_its_recipients()
    {
        var original = Original(
            ("From", "User <user@example.com>"),
            ("To", "Frank <frank@example.com>"),
            ("Cc", "grace@example.com"),
            ("Subject", "Following up"),
            ("Message-ID", "<own-1@example.com>"));

        var (_, parsed) = Build(original, "Any news?");

        Assert.Equal(["frank@example.com"], parsed.To.Mailboxes.Select(m => m.Address));
        Assert.Empty(parsed.Cc);
    }

    [Theory]
    [InlineData("First.Last+news@Gmail.com", "firstlast@gmail.com")]
    [InlineData("first.last@googlemail.com", "firstlast@gmail.com")]
    [InlineData("First.Last+x@Example.com", "first.last+x@example.com")]
    public void Own_address_comparison_follows_gmail(string address, string canonical) =>
        Assert.Equal(canonical, ReplyBuilder.Canonical(address));

    [Fact]
    public void Own_gmail_address_written_differently_is_still_left_out()
    {
        var original = Original(
            ("From", "Heidi <heidi@example.com>"),
            ("To", "first.last+work@gmail.com, ivan@example.com"),
            ("Subject", "Hi"),
            ("Message-ID", "<hi@example.com>"));

        var (to, cc) = ReplyBuilder.Recipients(original, MailboxAddress.Parse("firstlast@gmail.com"), replyAll: true);

        Assert.Equal(["heidi@example.com"], to.Select(m => m.Address));
        Assert.Equal(["ivan@example.com"], cc.Select(m => m.Address));
    }

    [Fact]
    public void Html_is_detected_from_the_payload()
    {
        Assert.True(OriginalMessage.HasHtmlBody(new MessagePart { MimeType = "text/html" }));
        Assert.False(OriginalMessage.HasHtmlBody(new MessagePart { MimeType = "text/plain" }));
        Assert.True(OriginalMessage.HasHtmlBody(new MessagePart { MimeType = "multipart/alternative" }));
        Assert.Null(OriginalMessage.HasHtmlBody(new MessagePart { MimeType = "multipart/mixed" }));
        Assert.True(OriginalMessage.HasHtmlBody(new MessagePart
        {
            MimeType = "multipart/mixed",
            Parts = [new MessagePart { MimeType = "multipart/alternative", Parts = [new MessagePart { MimeType = "text/plain" }, new MessagePart { MimeType = "text/html" }] }],
        }));
        Assert.False(OriginalMessage.HasHtmlBody(new MessagePart
        {
            MimeType = "multipart/mixed",
            Parts = [new MessagePart { MimeType = "text/plain" }, new MessagePart { MimeType = "text/html", Filename = "page.html" }],
        }));
    }

    private static OriginalMessage Original(params (string Name, string Value)[] headers) => Original(headers, isHtml: false);

    private static OriginalMessage Original((string Name, string Value)[] headers, bool isHtml) =>
        OriginalMessage.FromGmail(
            new GmailMessage
            {
                Id = "msg-1",
                ThreadId = "thread-1",
                Payload = new MessagePart { MimeType = isHtml ? "text/html" : "text/plain", Headers = [.. headers.Select(h => new MessagePartHeader(h.Name, h.Value))] },
            },
            isHtml);

    private static (string Text, MimeMessage Parsed) Build(OriginalMessage original, string reply, bool replyAll = false)
    {
        var message = ReplyBuilder.Build(new ReplyRequest
        {
            Original = original,
            ReplyText = reply,
            OwnAddress = Own,
            ReplyAll = replyAll,
            Date = Now,
            MessageId = "reply-1@example.com",
        });
        var bytes = ReplyBuilder.ToBytes(message);
        var text = Encoding.ASCII.GetString(bytes);
        using var stream = new MemoryStream(bytes);
        return (text, MimeMessage.Load(stream));
    }
}
