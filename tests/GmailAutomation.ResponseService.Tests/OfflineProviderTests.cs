using System.Diagnostics;
using GmailAutomation.ResponseService.Ai;
using GmailAutomation.ResponseService.Replies;
using GmailAutomation.ResponseService.Tests.Support;
using Xunit.Abstractions;

namespace GmailAutomation.ResponseService.Tests;

/// <summary>The offline provider: what a user reading the draft would notice — language, greeting, the proposed times, signature.</summary>
public sealed class OfflineProviderTests(ITestOutputHelper output)
{
    private const string Signature = "Bob Owner\nExample Ltd.";

    public static TheoryData<string, string, string> Mails => new()
    {
        // category, mail (subject + body), what the English/German/Spanish reply must say
        { "Personal", "Hi Bob, it has been ages! How are you and the family? Let me know when you are back in town.", "great to hear from you" },
        { "Work", "Could you please send me the updated budget for the project by Thursday? Thanks.", "follow up shortly" },
        { "Meeting", "Can we meet to discuss the roadmap? I could do Tuesday at 10:00 or Wednesday at 14:30.", "You proposed: Tuesday at 10:00; Wednesday at 14:30" },
        { "Newsletter", "This week in our newsletter: five tips for better sleep. Reply and tell us your favourite.", "newsletter" },
        { "Promotion", "Exclusive offer: 30% off all plans this week only. Reply to this email to claim your discount.", "get in touch if I am interested" },
        { "Notification", "Your password was changed. If this was not you, reply to this message.", "taken note" },
        { "Receipt", "Thank you for your order. Your receipt for order 1042 is attached. Reply with any questions.", "filed it for my records" },
        { "Spam", "You have won a prize!!! Reply now with your bank details to claim it.", "remove this address" },
        { "Other", "Hello, I found your contact on the website and have a question about your services.", "get back to you soon" },
    };

    [Theory]
    [MemberData(nameof(Mails))]
    public void Each_category_gets_a_fitting_english_reply_with_greeting_and_signature(string category, string body, string expected)
    {
        var context = Contexts.For(body, category: category, subject: "Hello from Alice", signature: Signature);

        var reply = TemplateReplies.Write(context);

        Assert.Equal("en", context.ReplyLanguage);
        Assert.StartsWith("Hi Alice Example,\n\n", reply);
        Assert.Contains(expected, reply);
        Assert.EndsWith("Best regards,\n" + Signature, reply);
        Assert.Null(ReplyValidator.Problem(reply, context, 2000));
    }

    [Fact]
    public void German_mail_gets_a_german_reply_that_lists_the_proposed_times()
    {
        var context = Contexts.For(
            "Hallo Bob,\n\nkönnen wir uns nächste Woche zum Projekt abstimmen? Mir würde Dienstag um 14 Uhr oder Donnerstag um 9:30 Uhr passen.\n\nViele Grüße\nAnna",
            category: "Meeting",
            subject: "Termin Projektabstimmung",
            signature: Signature);

        var reply = TemplateReplies.Write(context);

        Assert.Equal("de", context.DetectedLanguage);
        Assert.StartsWith("Hallo Alice Example,\n\nvielen Dank für die Terminanfrage zu „Termin Projektabstimmung“.", reply);
        Assert.Contains("Dienstag um 14 Uhr; Donnerstag um 9:30 Uhr", reply);
        Assert.Contains("bestätige Ihnen in Kürze", reply);
        Assert.EndsWith("Viele Grüße\n" + Signature, reply);
        Assert.DoesNotContain("Thank", reply);
    }

    [Fact]
    public void Spanish_mail_gets_a_spanish_reply_that_lists_the_proposed_times()
    {
        var context = Contexts.For(
            "Hola Bob:\n\n¿Podemos reunirnos para revisar el presupuesto? Me viene bien el martes a las 10:00 o el jueves a las 16:30.\n\nUn saludo,\nLucía",
            category: "Meeting",
            subject: "Reunión presupuesto",
            signature: Signature);

        var reply = TemplateReplies.Write(context);

        Assert.Equal("es", context.DetectedLanguage);
        Assert.StartsWith("Hola, Alice Example:\n\nMuchas gracias por la propuesta de reunión sobre «Reunión presupuesto».", reply);
        Assert.Contains("el martes a las 10:00; el jueves a las 16:30", reply);
        Assert.EndsWith("Un saludo,\n" + Signature, reply);
    }

    [Theory]
    [InlineData("en", "formal", "Dear Alice Example,", "Kind regards,")]
    [InlineData("de", "formal", "Guten Tag Alice Example,", "Mit freundlichen Grüßen")]
    [InlineData("es", "formal", "Estimado/a Alice Example:", "Atentamente,")]
    [InlineData("en", "concise", "Hi Alice Example,", "Thanks,")]
    [InlineData("de", "friendly", "Hallo Alice Example,", "Viele Grüße")]
    public void The_preferred_language_and_tone_override_the_mails_own(string language, string tone, string greeting, string closing)
    {
        var context = Contexts.For("Please find the contract attached for your review.", category: "Work", language: language, tone: tone, signature: null);

        var reply = TemplateReplies.Write(context);

        Assert.StartsWith(greeting, reply);
        Assert.EndsWith(closing, reply);
    }

    [Fact]
    public void A_meeting_request_without_times_asks_for_some_and_a_language_without_templates_is_answered_in_english()
    {
        var noTimes = Contexts.For("Could we meet sometime next week to discuss the plan?", category: "Meeting");
        var french = Contexts.For("Bonjour, pouvez-vous m'envoyer le rapport avec les chiffres du mois? Merci et cordialement.", category: "Work");

        Assert.Contains("Could you suggest a few times that suit you?", TemplateReplies.Write(noTimes));
        Assert.Equal("fr", french.DetectedLanguage);
        Assert.Contains("Thank you for your email", TemplateReplies.Write(french));
        Assert.Equal("en", TemplateReplies.LanguageFor(french.ReplyLanguage));
    }

    [Theory]
    [InlineData("Let's meet on Monday at 3pm or Friday at 11:15 am.", "on Monday at 3pm|Friday at 11:15 am")]
    [InlineData("How about Thursday, March 5 at 9:00?", "Thursday, March 5 at 9:00")]
    [InlineData("Passt dir Montag um 8:30 Uhr?", "Montag um 8:30 Uhr")]
    [InlineData("¿Te va bien el viernes a las 12:00?", "el viernes a las 12:00")]
    [InlineData("The call starts at 16:45.", "16:45")]
    [InlineData("No times in this one, sorry: version 2 ships in 3 weeks.", "")]
    public void Proposed_times_are_found_as_written(string text, string expected)
    {
        Assert.Equal(expected.Length == 0 ? [] : expected.Split('|'), ProposedTimes.Find(text));
    }

    [Fact]
    public void Subjects_lose_reply_prefixes_addresses_and_links_before_they_are_quoted()
    {
        Assert.Equal("Budget", TemplateReplies.CleanSubject("Re: AW: Fwd: Budget"));
        Assert.Equal("Invoice", TemplateReplies.CleanSubject("Invoice mallory@evil.example https://evil.example/x"));
        Assert.Null(TemplateReplies.CleanSubject("RE: "));
    }

    [Fact]
    public async Task Offline_provider_latency_per_reply_through_the_provider_chain()
    {
        // The template path of ReplyGenerator needs neither network nor database; measure it as the service runs it.
        var context = Contexts.For("Can we meet to discuss the roadmap? I could do Tuesday at 10:00 or Wednesday at 14:30.", category: "Meeting");
        var service = new TemplateChatCompletionService();
        const int warmup = 1_000, runs = 5_000;
        var samples = new double[runs];
        for (var i = 0; i < warmup + runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var (history, _) = PromptBuilder.Build(context, 300);
            var answer = await service.GetChatMessageContentsAsync(history);
            var reply = ReplyValidator.Normalize(answer[0].Content, context.Signature);
            Assert.Null(ReplyValidator.Problem(reply, context, 2000));
            watch.Stop();
            if (i >= warmup)
            {
                samples[i - warmup] = watch.Elapsed.TotalMicroseconds;
            }
        }

        Array.Sort(samples);
        var p50 = samples[runs / 2];
        var p99 = samples[(int)(runs * 0.99)];
        output.WriteLine($"offline reply (prompt + template + validation): p50 {p50:0.0} µs, p99 {p99:0.0} µs over {runs} replies");

        // The machine is shared (2 cores, several builds): the median is the reply's own cost, the tail is scheduling.
        Assert.True(p50 < 5_000, $"p50 {p50:0} µs");
    }
}
