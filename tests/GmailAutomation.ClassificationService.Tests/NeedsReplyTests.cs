using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Rules;

namespace GmailAutomation.ClassificationService.Tests;

public sealed class NeedsReplyTests
{
    private const string Me = "me@example.org";

    [Fact]
    public void A_direct_question_to_the_user_needs_a_reply()
    {
        var message = TestMail.Features(body: "Hi,\r\n\r\nCan we move the review to Thursday afternoon?\r\n\r\nThanks, Alice");

        var decision = NeedsReplyDecider.Decide(message, Categories.Work, null, Me);

        Assert.True(decision.NeedsReply);
        Assert.Contains("move the review to Thursday", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_without_a_question_mark_needs_a_reply()
    {
        var message = TestMail.Features(body: "Please confirm the numbers by Friday.");

        Assert.True(NeedsReplyDecider.Decide(message, Categories.Work, null, Me).NeedsReply);
    }

    [Fact]
    public void Questions_only_in_quoted_history_do_not_count()
    {
        var message = TestMail.Features(body: "Sounds good, done.\r\n\r\n-----Original Message-----\r\nFrom: me\r\nCan you send the file?\r\n> Are you there?");

        var decision = NeedsReplyDecider.Decide(message, Categories.Work, null, Me);

        Assert.False(decision.NeedsReply);
        Assert.Equal("no question or request to you", decision.Reason);
    }

    [Fact]
    public void Mail_where_the_user_is_only_in_cc_does_not_need_a_reply()
    {
        var message = TestMail.Features(to: "team@example.org", cc: Me, body: "Can you all review?");

        var decision = NeedsReplyDecider.Decide(message, Categories.Work, null, Me);

        Assert.False(decision.NeedsReply);
        Assert.Contains("not a direct", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_automated_and_bulk_mail_never_need_a_reply()
    {
        const string question = "Can you help?";
        Assert.False(NeedsReplyDecider.Decide(TestMail.Features(body: question, headers: ["List-Id: <l.example>"]), Categories.Personal, null, Me).NeedsReply);
        Assert.False(NeedsReplyDecider.Decide(TestMail.Features(body: question, headers: ["Auto-Submitted: auto-generated"]), Categories.Personal, null, Me).NeedsReply);
        Assert.False(NeedsReplyDecider.Decide(TestMail.Features(body: question, headers: ["Precedence: bulk"]), Categories.Personal, null, Me).NeedsReply);
        Assert.False(NeedsReplyDecider.Decide(TestMail.Features(from: "no-reply@x.example", body: question), Categories.Personal, null, Me).NeedsReply);
        Assert.False(NeedsReplyDecider.Decide(TestMail.Features(body: question), Categories.Newsletter, null, Me).NeedsReply);
    }

    [Fact]
    public void A_rule_decides_needs_reply_with_its_name_as_the_reason()
    {
        var regexes = new RegexCache(TimeSpan.FromMilliseconds(100));
        var rule = new RuleDefinition
        {
            Id = "r1",
            Name = "Boss always",
            Condition = RuleCondition.Test(RuleFields.From, RuleOperators.Equal, "boss@example.com"),
            Actions = [RuleAction.SetNeedsReply],
        };
        var message = TestMail.Features(from: "boss@example.com", body: "FYI.");

        var outcome = RuleEngine.Evaluate(CompiledRuleSet.Compile([rule], new HashSet<string>(), regexes), message);
        var decision = NeedsReplyDecider.Decide(message, Categories.Work, outcome, Me);

        Assert.True(decision.NeedsReply);
        Assert.Contains("Boss always", decision.Reason, StringComparison.Ordinal);
    }
}
