using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.Common.Errors;
using GmailAutomation.MailParsing;
using static GmailAutomation.ClassificationService.Rules.RuleCondition;

namespace GmailAutomation.ClassificationService.Tests;

public sealed class RuleEngineTests
{
    private static readonly RegexCache Regexes = new(TimeSpan.FromMilliseconds(100));
    private static readonly HashSet<string> AllBuiltInsOff = [.. BuiltInRules.All.Select(r => r.Id)];

    private static RuleDefinition Rule(string name, RuleCondition condition, params RuleAction[] actions) =>
        new() { Id = Guid.NewGuid().ToString(), Name = name, Condition = condition, Actions = actions };

    private static RuleOutcome Run(MessageFeatures message, params RuleDefinition[] rules) =>
        RuleEngine.Evaluate(CompiledRuleSet.Compile(rules, AllBuiltInsOff, Regexes), message);

    private static bool Matches(RuleCondition condition, MessageFeatures message) =>
        Run(message, Rule("r", condition, RuleAction.SetCategory("Work"))).Category == "Work";

    [Theory]
    [InlineData(RuleFields.From, RuleOperators.Contains, "example.com", true)]
    [InlineData(RuleFields.From, RuleOperators.Contains, "Alice", true)]
    [InlineData(RuleFields.From, RuleOperators.Equal, "ALICE@example.com", true)]
    [InlineData(RuleFields.From, RuleOperators.Equal, "example.com", false)]
    [InlineData(RuleFields.From, RuleOperators.EndsWith, "@example.com", true)]
    [InlineData(RuleFields.From, RuleOperators.StartsWith, "bob", false)]
    [InlineData(RuleFields.From, RuleOperators.Regex, @"^alice@example\.(com|org)$", true)]
    [InlineData(RuleFields.To, RuleOperators.Equal, "me@example.org", true)]
    [InlineData(RuleFields.Cc, RuleOperators.Contains, "boss", true)]
    [InlineData(RuleFields.Cc, RuleOperators.Contains, "me@", false)]
    [InlineData(RuleFields.Recipients, RuleOperators.Contains, "boss@", true)]
    [InlineData(RuleFields.Subject, RuleOperators.Contains, "QUARTERLY", true)]
    [InlineData(RuleFields.Subject, RuleOperators.Regex, @"\bQ[1-4]\b", true)]
    [InlineData(RuleFields.Subject, RuleOperators.StartsWith, "Re:", false)]
    [InlineData(RuleFields.Body, RuleOperators.Contains, "invoice attached", true)]
    [InlineData(RuleFields.Body, RuleOperators.Regex, @"amount:\s*\$\d+", true)]
    [InlineData(RuleFields.ListId, RuleOperators.Exists, null, false)]
    [InlineData(RuleFields.AttachmentName, RuleOperators.Exists, null, false)]
    public void Field_operators(string field, string op, string? value, bool expected)
    {
        var message = TestMail.Features(cc: "Boss <boss@example.org>", subject: "Quarterly numbers Q3", body: "Hi, invoice attached. Amount: $120");

        Assert.Equal(expected, Matches(Test(field, op, value), message));
    }

    [Fact]
    public void Case_sensitive_comparisons_respect_case()
    {
        var message = TestMail.Features(subject: "URGENT update");
        var sensitive = Test(RuleFields.Subject, RuleOperators.Contains, "urgent") with { CaseSensitive = true };
        var sensitiveRegex = Test(RuleFields.Subject, RuleOperators.Regex, "^URGENT") with { CaseSensitive = true };

        Assert.False(Matches(sensitive, message));
        Assert.True(Matches(sensitiveRegex, message));
    }

    [Fact]
    public void Header_conditions_read_any_header()
    {
        var message = TestMail.Features(headers: ["X-Priority: 1 (Highest)", "X-Mailer: Microsoft Outlook"]);

        Assert.True(Matches(Test(RuleFields.Header, RuleOperators.StartsWith, "1", header: "x-priority"), message));
        Assert.True(Matches(Test(RuleFields.Header, RuleOperators.Regex, "outlook", header: "X-Mailer"), message));
        Assert.True(Matches(Test(RuleFields.Header, RuleOperators.Exists, header: "X-Mailer"), message));
        Assert.False(Matches(Test(RuleFields.Header, RuleOperators.Exists, header: "X-Spam-Flag"), message));
        Assert.False(Matches(Test(RuleFields.Header, RuleOperators.Contains, "Thunderbird", header: "X-Mailer"), message));
    }

    [Fact]
    public void List_auto_submitted_and_precedence_fields()
    {
        var message = TestMail.Features(headers: ["List-Id: dev.lists.example.org", "List-Unsubscribe: <mailto:u@example.org>", "Auto-Submitted: auto-generated", "Precedence: list"]);

        Assert.True(Matches(Test(RuleFields.ListId, RuleOperators.Contains, "dev.lists"), message));
        Assert.True(Matches(Test(RuleFields.ListUnsubscribe, RuleOperators.Exists), message));
        Assert.True(Matches(Test(RuleFields.AutoSubmitted, RuleOperators.Equal, "auto-generated"), message));
        Assert.True(Matches(Test(RuleFields.Precedence, RuleOperators.Equal, "list"), message));
    }

    [Fact]
    public void And_or_not_combine()
    {
        var message = TestMail.Features(subject: "Team lunch", body: "Pizza on Friday");
        var lunch = Test(RuleFields.Subject, RuleOperators.Contains, "lunch");
        var pizza = Test(RuleFields.Body, RuleOperators.Contains, "pizza");
        var sushi = Test(RuleFields.Body, RuleOperators.Contains, "sushi");

        Assert.True(Matches(All(lunch, pizza), message));
        Assert.False(Matches(All(lunch, sushi), message));
        Assert.True(Matches(Any(sushi, pizza), message));
        Assert.False(Matches(Any(sushi, Not(lunch)), message));
        Assert.True(Matches(Not(sushi), message));
        Assert.True(Matches(All(lunch, Not(Any(sushi, Test(RuleFields.From, RuleOperators.Contains, "bob")))), message));
    }

    [Fact]
    public void Attachment_and_calendar_conditions()
    {
        var plain = TestMail.Features();
        var withAttachment = TestMail.Parse("From: a@example.com\r\nTo: me@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=q3.pdf\r\n\r\nxx\r\n--b--\r\n");

        Assert.False(Matches(HasAttachment, plain));
        Assert.True(Matches(HasAttachment, withAttachment));
        Assert.True(Matches(Test(RuleFields.AttachmentName, RuleOperators.EndsWith, ".pdf"), withAttachment));
        Assert.False(Matches(HasCalendarPart, withAttachment));
    }

    [Fact]
    public void First_category_wins_labels_accumulate_and_stop_ends_the_run()
    {
        var message = TestMail.Features(subject: "Invoice from ACME");
        var acme = Test(RuleFields.Subject, RuleOperators.Contains, "ACME");
        var first = Rule("first", acme, RuleAction.SetCategory("Receipt"), RuleAction.AddLabel("Vendors/ACME"));
        var second = Rule("second", acme, RuleAction.SetCategory("Work"), RuleAction.AddLabel("Finance"), RuleAction.SetNeedsReply, RuleAction.Stop);
        var third = Rule("third", acme, RuleAction.AddLabel("Never"));

        var outcome = Run(message, first, second, third);

        Assert.Equal("Receipt", outcome.Category);
        Assert.Equal("first", outcome.CategoryRule!.Name);
        Assert.Equal(["Vendors/ACME", "Finance"], outcome.Labels);
        Assert.True(outcome.NeedsReply);
        Assert.Equal([first.Id, second.Id], outcome.MatchedRuleIds);
    }

    [Fact]
    public void Disabled_rules_do_not_run()
    {
        var rule = Rule("off", Test(RuleFields.Subject, RuleOperators.Exists), RuleAction.SetCategory("Work")) with { Enabled = false };

        Assert.Null(Run(TestMail.Features(), rule).Category);
    }

    [Fact]
    public void User_defined_categories_are_kept_and_built_in_names_normalised()
    {
        var message = TestMail.Features();
        Assert.Equal("Taxes 2025", Run(message, Rule("r", Test(RuleFields.Subject, RuleOperators.Exists), RuleAction.SetCategory("Taxes 2025"))).Category);
        Assert.Equal("Work", Run(message, Rule("r", Test(RuleFields.Subject, RuleOperators.Exists), RuleAction.SetCategory("work"))).Category);
    }

    [Fact]
    public void A_bad_regex_is_rejected_with_the_rule_name_and_position()
    {
        var rule = Rule("Broken pattern", All(Test(RuleFields.From, RuleOperators.Exists), Test(RuleFields.Subject, RuleOperators.Regex, "abc(def")), RuleAction.SetCategory("Work"));

        var error = Assert.Throws<ValidationException>(() => CompiledRuleSet.Compile([rule], AllBuiltInsOff, Regexes));

        var (where, messages) = Assert.Single(error.Errors);
        Assert.Equal("rules[0].condition.conditions[1]", where);
        Assert.Contains("Broken pattern", messages[0], StringComparison.Ordinal);
        Assert.Contains("position 7", messages[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"type\":\"field\",\"field\":\"nope\",\"operator\":\"contains\",\"value\":\"x\"}", "unknown field")]
    [InlineData("{\"type\":\"field\",\"field\":\"subject\",\"operator\":\"like\",\"value\":\"x\"}", "unknown operator")]
    [InlineData("{\"type\":\"field\",\"field\":\"subject\",\"operator\":\"contains\"}", "needs a value")]
    [InlineData("{\"type\":\"field\",\"field\":\"header\",\"operator\":\"exists\"}", "header's name")]
    [InlineData("{\"type\":\"not\",\"conditions\":[]}", "exactly one")]
    [InlineData("{\"type\":\"all\"}", "at least one")]
    [InlineData("{\"type\":\"xor\"}", "unknown condition type")]
    public void Invalid_conditions_are_rejected(string conditionJson, string expected)
    {
        var condition = System.Text.Json.JsonSerializer.Deserialize<RuleCondition>(conditionJson, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        var rule = Rule("bad", condition, RuleAction.SetCategory("Work"));

        var error = Assert.Throws<ValidationException>(() => CompiledRuleSet.Compile([rule], AllBuiltInsOff, Regexes));

        Assert.Contains(expected, error.Errors.Values.Single()[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_actions_are_rejected()
    {
        var noActions = Rule("none", Test(RuleFields.Subject, RuleOperators.Exists));
        var badCategory = Rule("bad category", Test(RuleFields.Subject, RuleOperators.Exists), RuleAction.SetCategory("a/b"));

        Assert.Throws<ValidationException>(() => CompiledRuleSet.Compile([noActions], AllBuiltInsOff, Regexes));
        var error = Assert.Throws<ValidationException>(() => CompiledRuleSet.Compile([badCategory], AllBuiltInsOff, Regexes));
        Assert.Equal("rules[0].actions[0]", error.Errors.Keys.Single());
    }

    [Fact]
    public void Catastrophic_patterns_run_in_linear_time()
    {
        // (a+)+$b is exponential on a backtracking engine; on the linear engine it finishes well inside a
        // generous timeout even on a loaded machine.
        var regexes = new RegexCache(TimeSpan.FromSeconds(10));
        var regex = regexes.Get("(a+)+$b", caseSensitive: false);
        var message = TestMail.Features(body: new string('a', 5_000) + "!");
        var rule = Rule("evil", Test(RuleFields.Body, RuleOperators.Regex, "(a+)+$b"), RuleAction.SetCategory("Work"));

        Assert.True(RegexCache.IsLinear(regex));
        var outcome = RuleEngine.Evaluate(CompiledRuleSet.Compile([rule], AllBuiltInsOff, regexes), message);

        Assert.Null(outcome.Category);
        Assert.Empty(outcome.Issues);
    }

    [Fact]
    public void A_backtracking_pattern_that_runs_too_long_times_out_with_a_recorded_reason()
    {
        // A backreference needs the backtracking engine; nested quantifiers make it exponential.
        const string pattern = @"^(\w+\s?)*\1$";
        var regex = Regexes.Get(pattern, caseSensitive: false);
        Assert.False(RegexCache.IsLinear(regex));
        var message = TestMail.Features(subject: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
        var rule = Rule("slow", Test(RuleFields.Subject, RuleOperators.Regex, pattern), RuleAction.SetCategory("Work"));
        var fallback = Rule("next", Test(RuleFields.Subject, RuleOperators.Exists), RuleAction.SetCategory("Personal"));

        var started = System.Diagnostics.Stopwatch.StartNew();
        var outcome = Run(message, rule, fallback);

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        Assert.Equal("Personal", outcome.Category);
        var issue = Assert.Single(outcome.Issues);
        Assert.Equal(rule.Id, issue.RuleId);
        Assert.Contains("timed out", issue.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Patterns_are_compiled_once()
    {
        var cache = new RegexCache(TimeSpan.FromMilliseconds(100));
        var first = cache.Get("ab+c", caseSensitive: false);

        Assert.Same(first, cache.Get("ab+c", caseSensitive: false));
        Assert.NotSame(first, cache.Get("ab+c", caseSensitive: true));
        Assert.Equal(2, cache.Count);
    }
}
