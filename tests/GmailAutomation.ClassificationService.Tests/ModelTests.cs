using System.Text.Json;
using GmailAutomation.ClassificationService.Learning;
using GmailAutomation.ClassificationService.Tools;
using GmailAutomation.Testing;

namespace GmailAutomation.ClassificationService.Tests;

public sealed class ModelTests
{
    private static readonly string[] WorkSubjects = ["Q3 budget review", "Contract draft for the supplier", "Pipeline capacity update", "Board presentation slides", "Trading desk schedule"];
    private static readonly string[] WorkLines = ["Please review the attached contract before the meeting.", "The gas pipeline capacity numbers are in the spreadsheet.", "We need the revised budget from the finance team.", "Legal has comments on section 4 of the agreement.", "The trading group will present the quarterly results."];
    private static readonly string[] SpamSubjects = ["Earn $5000 a week from home!!!", "Cheap meds no prescription", "You have WON a free vacation", "Lose 30 pounds in 30 days", "Lowest mortgage rates GUARANTEED"];
    private static readonly string[] SpamLines = ["Click here now to claim your FREE prize, limited time offer!", "Act now! This amazing offer will not last, order today.", "Make money fast with this secret system, 100% guaranteed.", "Unsubscribe here if you no longer wish to receive our offers.", "Buy now and save 80% off retail price, free shipping!"];

    /// <summary>Writes a labelled folder of generated messages (first-level subfolders are labels).</summary>
    private static void WriteCorpus(string root, int perLabel, int seed)
    {
        var random = new Random(seed);
        foreach (var (label, subjects, lines, from) in new[]
        {
            ("Work", WorkSubjects, WorkLines, "colleague@enron.example"),
            ("Spam", SpamSubjects, SpamLines, "winner@promo-deals.example"),
        })
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, label)).FullName;
            for (var i = 0; i < perLabel; i++)
            {
                var body = string.Join(" ", Enumerable.Range(0, 3).Select(_ => lines[random.Next(lines.Length)]));
                File.WriteAllText(Path.Combine(dir, $"{i:D4}.eml"), TestMail.Raw(from: from, subject: subjects[random.Next(subjects.Length)], body: body));
            }
        }
    }

    [Fact]
    public void Metrics_match_a_hand_computed_example()
    {
        (string, string)[] pairs = [("a", "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", "a"), ("c", "c")];

        var metrics = ClassificationMetrics.Compute(pairs);

        Assert.Equal(4.0 / 6, metrics.Accuracy, 6);
        var a = metrics.Classes.Single(c => c.Label == "a");
        Assert.Equal(3, a.Support);
        Assert.Equal(2.0 / 3, a.Precision, 6);
        Assert.Equal(2.0 / 3, a.Recall, 6);
        var b = metrics.Classes.Single(c => c.Label == "b");
        Assert.Equal(0.5, b.F1, 6);
        Assert.Equal((2.0 / 3 + 0.5 + 1) / 3, metrics.MacroF1, 6);
    }

    [Fact]
    public void Eval_tool_trains_the_pipeline_and_prints_the_figures_as_json_and_as_a_table()
    {
        using var temp = new TempDirectory("cls-eval");
        WriteCorpus(temp.Sub("train"), perLabel: 30, seed: 1);
        WriteCorpus(temp.Sub("test"), perLabel: 10, seed: 2);

        using var json = new StringWriter();
        var exit = ClassifierCommands.Run(["eval", "--train", temp.Sub("train"), "--test", temp.Sub("test"), "--json"], json, TextWriter.Null);

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(json.ToString());
        var metrics = document.RootElement.GetProperty("metrics");
        Assert.Equal(20, metrics.GetProperty("count").GetInt32());
        Assert.True(metrics.GetProperty("accuracy").GetDouble() >= 0.9);
        Assert.True(metrics.GetProperty("macroF1").GetDouble() >= 0.9);
        var classes = metrics.GetProperty("classes").EnumerateArray().ToArray();
        Assert.Equal(["Spam", "Work"], classes.Select(c => c.GetProperty("label").GetString()));
        foreach (var c in classes)
        {
            Assert.Equal(10, c.GetProperty("support").GetInt32());
            Assert.InRange(c.GetProperty("precision").GetDouble(), 0, 1);
            Assert.InRange(c.GetProperty("recall").GetDouble(), 0, 1);
            Assert.InRange(c.GetProperty("f1").GetDouble(), 0, 1);
        }

        Assert.Equal(60, document.RootElement.GetProperty("train").GetProperty("count").GetInt32());

        using var table = new StringWriter();
        Assert.Equal(0, ClassifierCommands.Run(["eval", "--train", temp.Sub("train"), "--test", temp.Sub("test")], table, TextWriter.Null));
        var lines = table.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("train: 60 messages, test: 20 messages", lines[0]);
        Assert.Matches(@"^label\s+support\s+precision\s+recall\s+f1$", lines[1]);
        Assert.Matches(@"^Spam\s+10\s+[01]\.\d{4}\s+[01]\.\d{4}\s+[01]\.\d{4}$", lines[2]);
        Assert.Matches(@"^accuracy [01]\.\d{4}$", lines[4]);
        Assert.Matches(@"^macro-F1 [01]\.\d{4}$", lines[5]);
    }

    [Fact]
    public void Eval_tool_reports_bad_arguments_with_exit_code_2()
    {
        using var error = new StringWriter();

        Assert.Equal(2, ClassifierCommands.Run(["eval", "--train"], TextWriter.Null, error));
        Assert.Equal(2, ClassifierCommands.Run(["eval", "--train", "/nonexistent/folder", "--test", "/nonexistent"], TextWriter.Null, error));
        Assert.Contains("usage:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_saved_model_loads_and_predicts_the_same()
    {
        using var temp = new TempDirectory("cls-model");
        WriteCorpus(temp.Sub("train"), perLabel: 20, seed: 3);
        var model = CategoryModel.Train(LabeledCorpus.Load(temp.Sub("train")), PipelineParameters.Default);
        var path = Path.Combine(temp.Path, "m.zip");

        var version = model.Save(path);
        var loaded = CategoryModel.Load(path);
        var message = TestMail.Features(from: "winner@promo-deals.example", subject: "You have WON a free vacation", body: "Click here now to claim your FREE prize");

        Assert.Equal(version, loaded.Version);
        Assert.StartsWith("m@", version, StringComparison.Ordinal);
        var before = model.Predict(message);
        var after = loaded.Predict(message);
        Assert.Equal("Spam", after.Category);
        Assert.Equal(before.Confidence, after.Confidence, 5);
        Assert.Equal(1.0, after.Scores.Values.Sum(), 3);
    }
}
