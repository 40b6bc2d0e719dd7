using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Tests;

public sealed class BuiltInRulesTests
{
    private static readonly RegexCache Regexes = new(TimeSpan.FromMilliseconds(100));
    private static readonly ClassifierSettings Settings = new();

    private static ClassificationResult Classify(MessageFeatures message, params string[] disabled) =>
        MessageClassifier.Classify(message, CompiledRuleSet.Compile([], new HashSet<string>(disabled), Regexes), model: null, Settings, "me@example.org");

    private const string Invite = "From: Carol <carol@example.com>\r\nTo: me@example.org\r\nSubject: Planning\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/alternative; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nJoin us.\r\n" +
        "--x\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n--x--\r\n";

    public static TheoryData<string, string, string> Cases => new()
    {
        { "calendar-invite", Invite, Categories.Meeting },
        { "receipt", TestMail.Raw(from: "shop@store.example", subject: "Your order #12345 has shipped"), Categories.Receipt },
        { "receipt", TestMail.Raw(from: "billing@saas.example", subject: "Receipt for your payment"), Categories.Receipt },
        { "auto-submitted", TestMail.Raw(from: "system@example.com", subject: "Out of office", headers: ["Auto-Submitted: auto-replied"]), Categories.Notification },
        { "no-reply-sender", TestMail.Raw(from: "GitHub <noreply@github.com>", subject: "New sign-in"), Categories.Notification },
        { "no-reply-sender", TestMail.Raw(from: "do-not-reply+abc@bank.example", subject: "Statement ready"), Categories.Notification },
        { "promotion", TestMail.Raw(from: "deals@shop.example", subject: "Summer sale: 30% off everything", headers: ["List-Unsubscribe: <https://shop.example/u>"]), Categories.Promotion },
        { "mailing-list", TestMail.Raw(from: "someone@lists.example", subject: "[dev] build broken", headers: ["List-Id: <dev.lists.example>"]), Categories.Newsletter },
        { "mailing-list", TestMail.Raw(from: "news@paper.example", subject: "Morning briefing", headers: ["List-Unsubscribe: <mailto:unsub@paper.example>"]), Categories.Newsletter },
        { "bulk-precedence", TestMail.Raw(from: "robot@monitor.example", subject: "Disk usage report", headers: ["Precedence: bulk"]), Categories.Notification },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_heuristic_decides_its_category_and_can_be_switched_off(string rule, string raw, string expected)
    {
        var message = TestMail.Parse(raw);
        var id = BuiltInRules.Prefix + rule;

        var on = Classify(message);
        var off = Classify(message, id);

        Assert.Equal(expected, on.Category);
        Assert.Equal(DecisionKinds.BuiltIn, on.DecidedBy);
        Assert.Equal(id, on.RuleId);
        Assert.Equal(1, on.Confidence);
        Assert.Contains($"Automation/{expected}", on.Labels);
        Assert.NotEqual(id, off.RuleId);
        Assert.False(on.NeedsReply && Categories.IsAutomated(expected));
    }

    [Fact]
    public void Auto_submitted_no_is_a_person()
    {
        var message = TestMail.Features(headers: ["Auto-Submitted: no"]);

        Assert.Equal(Categories.Other, Classify(message).Category);
    }

    [Fact]
    public void User_rules_run_before_built_in_heuristics()
    {
        var message = TestMail.Features(from: "noreply@ci.example", subject: "Build failed");
        var rule = new RuleDefinition
        {
            Id = "mine",
            Name = "CI is work",
            Condition = RuleCondition.Test(RuleFields.From, RuleOperators.EndsWith, "@ci.example"),
            Actions = [RuleAction.SetCategory(Categories.Work), RuleAction.AddLabel("CI")],
        };

        var result = MessageClassifier.Classify(message, CompiledRuleSet.Compile([rule], new HashSet<string>(), Regexes), null, Settings);

        Assert.Equal(Categories.Work, result.Category);
        Assert.Equal(DecisionKinds.Rule, result.DecidedBy);
        Assert.Equal(["Automation/Work", "CI"], result.Labels);
        Assert.Equal(["mine"], result.MatchedRules);
    }

    [Fact]
    public void Nothing_decides_without_a_model_gives_other_with_a_reason_and_no_label()
    {
        var result = Classify(TestMail.Features());

        Assert.Equal(Categories.Other, result.Category);
        Assert.Equal(DecisionKinds.None, result.DecidedBy);
        Assert.Empty(result.Labels);
        Assert.Contains(result.Notes, n => n.Contains("no model", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_mail_is_classified_with_the_defect_noted()
    {
        var message = TestMail.Parse("From: a@example.com\r\nTo: me@example.org\r\nSubject: Broken\r\nList-Id: <x.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n");

        var result = Classify(message);

        Assert.Equal(Categories.Newsletter, result.Category);
        Assert.Contains(result.Notes, n => n.Contains(MalformedKinds.MimeStructure, StringComparison.Ordinal));
    }
}
