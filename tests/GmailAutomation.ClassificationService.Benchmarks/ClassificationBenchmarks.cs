using System.Text;
using BenchmarkDotNet.Attributes;
using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Learning;
using GmailAutomation.ClassificationService.Rules;
using GmailAutomation.MailParsing;
using static GmailAutomation.ClassificationService.Rules.RuleCondition;

namespace GmailAutomation.ClassificationService.Benchmarks;

/// <summary>
/// Rules-only throughput (target ≥ 50,000 messages/s on one core) and model inference throughput
/// (target ≥ 10,000/s). Each invocation classifies <see cref="BatchSize"/> messages, so the reported
/// time per operation is per message.
/// </summary>
[MemoryDiagnoser]
public class ClassificationBenchmarks
{
    private const int BatchSize = 1000;

    private MessageFeatures[] _messages = [];
    private CompiledRuleSet _rules = CompiledRuleSet.Empty;
    private CategoryModel? _model;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        string[] senders = ["alice@example.com", "noreply@github.com", "news@paper.example", "boss@corp.example", "deals@shop.example"];
        string[] subjects = ["Quarterly numbers", "Your order #1234 has shipped", "Lunch on Friday?", "Weekly digest", "50% off everything", "Re: contract draft"];
        _messages = new MessageFeatures[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            var raw = new StringBuilder()
                .Append("From: ").Append(senders[random.Next(senders.Length)]).Append("\r\n")
                .Append("To: me@example.org\r\nSubject: ").Append(subjects[random.Next(subjects.Length)]).Append("\r\n")
                .Append(random.Next(4) == 0 ? "List-Id: <digest.example>\r\n" : string.Empty)
                .Append("Content-Type: text/plain\r\n\r\n")
                .Append(string.Join(' ', Enumerable.Range(0, 150).Select(_ => subjects[random.Next(subjects.Length)])))
                .ToString();
            _messages[i] = MessageFeatureExtractor.FromBytes(Encoding.UTF8.GetBytes(raw));
        }

        // Ten user rules of the usual kinds in front of the built-in heuristics.
        RuleDefinition Rule(int n, RuleCondition condition, string category) => new()
        {
            Id = $"r{n}",
            Name = $"rule {n}",
            Condition = condition,
            Actions = [RuleAction.SetCategory(category)],
        };
        var rules = new[]
        {
            Rule(1, Test(RuleFields.From, RuleOperators.EndsWith, "@corp.example"), "Work"),
            Rule(2, Test(RuleFields.Subject, RuleOperators.Regex, @"\binvoice\s+#?\d+"), "Receipt"),
            Rule(3, All(Test(RuleFields.Subject, RuleOperators.Contains, "lunch"), Not(Test(RuleFields.ListId, RuleOperators.Exists))), "Personal"),
            Rule(4, Test(RuleFields.Header, RuleOperators.Exists, header: "X-Jira-Fingerprint"), "Notification"),
            Rule(5, Any(Test(RuleFields.From, RuleOperators.Contains, "bank"), Test(RuleFields.Subject, RuleOperators.Contains, "statement")), "Finance"),
            Rule(6, Test(RuleFields.Body, RuleOperators.Contains, "wire transfer"), "Finance"),
            Rule(7, Test(RuleFields.Recipients, RuleOperators.Equal, "team@corp.example"), "Work"),
            Rule(8, Test(RuleFields.Subject, RuleOperators.StartsWith, "[JIRA]"), "Notification"),
            Rule(9, Test(RuleFields.Body, RuleOperators.Regex, @"unsubscribe\s+here"), "Newsletter"),
            Rule(10, Test(RuleFields.AttachmentName, RuleOperators.EndsWith, ".ics"), "Meeting"),
        };
        _rules = CompiledRuleSet.Compile(rules, new HashSet<string>(), new RegexCache(TimeSpan.FromMilliseconds(100)));
        _model = CategoryModel.Load(Path.Combine(AppContext.BaseDirectory, "Model", "default-model.zip"));
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "rules only (10 user rules + built-ins), per message")]
    public int RulesOnly()
    {
        var decided = 0;
        foreach (var message in _messages)
        {
            if (RuleEngine.Evaluate(_rules, message).Category is not null)
            {
                decided++;
            }
        }

        return decided;
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "model inference, per message")]
    public double ModelInference()
    {
        var sum = 0.0;
        foreach (var message in _messages)
        {
            sum += _model!.Predict(message).Confidence;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "model inference, batch of 1000, per message")]
    public double ModelInferenceBatch()
    {
        var sum = 0.0;
        foreach (var prediction in _model!.PredictBatch(_messages))
        {
            sum += prediction.Confidence;
        }

        return sum;
    }
}
