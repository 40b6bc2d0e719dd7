extern alias classification;

using classification::GmailAutomation.ClassificationService.Classification;
using classification::GmailAutomation.ClassificationService.Learning;
using classification::GmailAutomation.ClassificationService.Rules;
using GmailAutomation.MailParsing;

namespace GmailAutomation.HostileInput.Tests;

/// <summary>
/// Every hostile message through the classification service's rule engine and classifier, with the built-in
/// rules and the shipped model: a category, or Other with the reason, and nothing an attacker wrote decides
/// more than it may.
/// </summary>
public sealed class ClassificationTests
{
    private static readonly RegexCache Regexes = new(TimeSpan.FromMilliseconds(100));

    private static readonly CompiledRuleSet BuiltIns = CompiledRuleSet.Compile([], new HashSet<string>(), Regexes);

    private static readonly Lazy<CategoryModel> Model = new(() =>
        CategoryModel.Load(Path.Combine(AppContext.BaseDirectory, "Model", "default-model.zip")));

    private static readonly ClassifierSettings Settings = new();

    public static TheoryData<string> Messages() => HostileCorpus.All();

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Every_message_gets_a_category_or_other_with_a_reason(string name)
    {
        var features = MessageFeatureExtractor.FromBytes(HostileCorpus.Read(name));

        var rulesOnly = await Task.Run(() => MessageClassifier.Classify(features, BuiltIns, model: null, Settings, "me@example.org")).WaitAsync(TimeSpan.FromSeconds(20));
        var withModel = await Task.Run(() => MessageClassifier.Classify(features, BuiltIns, Model.Value, Settings, "me@example.org")).WaitAsync(TimeSpan.FromSeconds(20));

        foreach (var result in new[] { rulesOnly, withModel })
        {
            Assert.False(string.IsNullOrWhiteSpace(result.Category));
            Assert.False(string.IsNullOrWhiteSpace(result.DecidedBy));
            Assert.False(string.IsNullOrWhiteSpace(result.NeedsReplyReason));
            if (result.Category == Categories.Other)
            {
                Assert.NotEmpty(result.Notes);
            }
            else
            {
                Assert.Contains($"{Settings.LabelParent}/{result.Category}", result.Labels);
            }

            Assert.Equal(features.MalformedParts, result.MalformedParts);
        }
    }

    [Fact]
    public void A_forged_auto_submitted_header_can_only_suppress_a_reply()
    {
        var features = MessageFeatureExtractor.FromBytes(HostileCorpus.Read("26-forged-auto-submitted.eml"));

        var result = MessageClassifier.Classify(features, BuiltIns, Model.Value, Settings, "me@example.org");

        Assert.Equal(Categories.Notification, result.Category);
        Assert.False(result.NeedsReply);
    }

    [Theory]
    [InlineData("28-prompt-injection-body.eml")]
    [InlineData("29-prompt-injection-html-hidden.eml")]
    [InlineData("30-prompt-injection-headers.eml")]
    public void Instructions_in_a_message_do_not_choose_its_category_or_labels(string name)
    {
        var features = MessageFeatureExtractor.FromBytes(HostileCorpus.Read(name));

        var result = MessageClassifier.Classify(features, BuiltIns, model: null, Settings, "me@example.org");

        // The text asks for Receipt/Personal, the label VIP/Important: only rules and the model decide.
        Assert.Equal(Categories.Other, result.Category);
        Assert.Equal(DecisionKinds.None, result.DecidedBy);
        Assert.DoesNotContain(result.Labels, l => l.Contains("VIP", StringComparison.OrdinalIgnoreCase) || l.Contains("Important", StringComparison.OrdinalIgnoreCase));
    }
}
