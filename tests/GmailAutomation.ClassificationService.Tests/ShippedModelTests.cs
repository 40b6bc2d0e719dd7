using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Learning;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Tests;

/// <summary>The default model shipped with the service, on messages of the corpus's held-out split.</summary>
public sealed class ShippedModelTests
{
    private static readonly Lazy<CategoryModel> Model = new(() =>
        CategoryModel.Load(Path.Combine(AppContext.BaseDirectory, "Model", "default-model.zip")));

    private static string Corpus =>
        Environment.GetEnvironmentVariable("MAIL_CORPUS") is { Length: > 0 } path ? path : "/work/shared/data/mail";

    /// <summary>Held-out messages of a corpus folder: the test split of eng/classify-split.sh (md5 ending in 0, 1 or 2).</summary>
    private static IEnumerable<string> HeldOut(string folder, int count) =>
        File.ReadLines(Path.Combine(Corpus, "manifest.tsv"))
            .Skip(1)
            .Select(line => line.Split('\t'))
            .Where(f => f[0].StartsWith(folder + "/", StringComparison.Ordinal) && f[7].Length == 32 && "012".Contains(f[7][^1], StringComparison.Ordinal))
            .Select(f => Path.Combine(Corpus, f[0]))
            .Take(count);

    [Fact]
    public void The_shipped_model_has_a_version_and_the_service_categories()
    {
        Assert.StartsWith("default-model@", Model.Value.Version, StringComparison.Ordinal);
        Assert.Equal(
            [Categories.Meeting, Categories.Newsletter, Categories.Personal, Categories.Promotion, Categories.Spam, Categories.Work],
            Model.Value.Labels.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("spamassassin/spam_2", Categories.Spam, 0.9)]
    [InlineData("spamassassin/easy_ham", Categories.Newsletter, 0.9)]
    [InlineData("enron_berkeley/1", Categories.Work, 0.7)]
    [InlineData("enron_berkeley/4", Categories.Meeting, 0.5)]
    public void Predicts_held_out_corpus_messages(string folder, string expected, double minimumShare)
    {
        var files = HeldOut(folder, 20).ToArray();
        Assert.NotEmpty(files);

        var right = files.Count(f => Model.Value.Predict(MessageFeatureExtractor.FromFile(f)).Category == expected);

        Assert.True(right >= minimumShare * files.Length, $"{right} of {files.Length} {folder} messages predicted {expected}");
    }

    [Fact]
    public void Low_confidence_predictions_become_other()
    {
        var classifier = new ClassifierSettings { ConfidenceThreshold = 1.01 };
        var rules = Rules.CompiledRuleSet.Compile([], new HashSet<string>(), new Rules.RegexCache(TimeSpan.FromMilliseconds(100)));

        var result = MessageClassifier.Classify(TestMail.Features(body: "ok"), rules, Model.Value, classifier);

        Assert.Equal(Categories.Other, result.Category);
        Assert.Equal(DecisionKinds.None, result.DecidedBy);
        Assert.NotNull(result.ModelCategory);
        Assert.Contains(result.Notes, n => n.Contains("below the threshold", StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_huge_and_malformed_messages_are_classified_without_a_crash()
    {
        var rules = Rules.CompiledRuleSet.Compile([], new HashSet<string>(), new Rules.RegexCache(TimeSpan.FromMilliseconds(100)));
        MessageFeatures[] messages =
        [
            TestMail.Parse(string.Empty),
            TestMail.Features(body: string.Empty, subject: string.Empty),
            TestMail.Features(body: string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 200_000))),
            TestMail.Parse("From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\n\0\0\0garbage"),
            TestMail.Parse("From: a@example.com\r\nContent-Type: text/plain; charset=unknown-8bit\r\n\r\n\u00ff\u00fe text"),
        ];

        foreach (var message in messages)
        {
            var result = MessageClassifier.Classify(message, rules, Model.Value, new ClassifierSettings());
            Assert.False(string.IsNullOrEmpty(result.Category));
            Assert.False(string.IsNullOrEmpty(result.NeedsReplyReason));
        }
    }
}
