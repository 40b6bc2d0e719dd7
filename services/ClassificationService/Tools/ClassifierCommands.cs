using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GmailAutomation.ClassificationService.Learning;

namespace GmailAutomation.ClassificationService.Tools;

/// <summary>
/// Command-line modes of the service binary (no web host is started):
/// <c>eval --train DIR --test DIR [--json] [--set Name=Value]…</c> trains the service's pipeline on one labelled
/// folder and reports accuracy, per-class precision/recall/F1 and macro-F1 on another;
/// <c>train --train DIR --test DIR --out FILE.zip</c> does the same and saves the model with a JSON record
/// of its data, parameters and metrics beside it.
/// </summary>
public static class ClassifierCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static bool IsCommand(string[] args) => args is ["eval" or "train", ..];

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            var options = CommandOptions.Parse(args[1..]);
            return args[0] == "eval" ? Evaluate(options, output) : Train(options, output);
        }
        catch (Exception exception) when (exception is ArgumentException or DirectoryNotFoundException or FormatException)
        {
            error.WriteLine($"error: {exception.Message}");
            error.WriteLine("usage: eval --train DIR --test DIR [--json] [--errors] [--set Name=Value]...");
            error.WriteLine("       train --train DIR --test DIR --out FILE.zip [--set Name=Value]...");
            return 2;
        }
    }

    /// <summary>Trains on one folder, measures on the other; the figures and what they came from.</summary>
    public static EvaluationReport TrainAndMeasure(string trainDir, string testDir, PipelineParameters parameters, out CategoryModel model)
    {
        var clock = Stopwatch.StartNew();
        var train = LabeledCorpus.Load(trainDir);
        var test = LabeledCorpus.Load(testDir);
        var loadSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        model = CategoryModel.Train(train, parameters);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var pairs = new List<(string, string)>(test.Count);
        var errors = new List<Misclassified>();
        foreach (var message in test)
        {
            var prediction = model.Predict(message.Features);
            pairs.Add((message.Label, prediction.Category));
            if (prediction.Category != message.Label)
            {
                errors.Add(new Misclassified(message.Path, message.Label, prediction.Category, Math.Round(prediction.Confidence, 4)));
            }
        }

        var predictSeconds = clock.Elapsed.TotalSeconds;
        return new EvaluationReport
        {
            Train = Describe(trainDir, train),
            Test = Describe(testDir, test),
            Parameters = parameters,
            Metrics = ClassificationMetrics.Compute(pairs),
            Seconds = new Timings(Math.Round(loadSeconds, 2), Math.Round(trainSeconds, 2), Math.Round(predictSeconds, 2)),
            Errors = errors,
        };
    }

    private static int Evaluate(CommandOptions options, TextWriter output)
    {
        var report = TrainAndMeasure(options.Require("train"), options.Require("test"), options.Parameters, out _);
        if (!options.Flags.Contains("errors"))
        {
            report = report with { Errors = null };
        }

        if (options.Flags.Contains("json"))
        {
            output.WriteLine(JsonSerializer.Serialize(report, Json));
        }
        else
        {
            WriteTable(report, output);
            foreach (var error in report.Errors ?? [])
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrong: {error.Truth} -> {error.Predicted} ({error.Confidence:0.00}) {error.Path}"));
            }
        }

        return 0;
    }

    private static int Train(CommandOptions options, TextWriter output)
    {
        var path = options.Require("out");
        var report = TrainAndMeasure(options.Require("train"), options.Require("test"), options.Parameters, out var model);
        var version = model.Save(path);
        var record = report with { Errors = null, ModelVersion = version, ModelFile = Path.GetFileName(path), ModelBytes = new FileInfo(path).Length };
        var jsonPath = Path.ChangeExtension(path, ".json");
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(record, Json) + "\n");
        WriteTable(record, output);
        output.WriteLine($"saved {path} ({record.ModelBytes / 1024} KiB) and {jsonPath}; version {version}");
        return 0;
    }

    public static void WriteTable(EvaluationReport report, TextWriter output)
    {
        var metrics = report.Metrics;
        output.WriteLine($"train: {report.Train.Count} messages, test: {report.Test.Count} messages");
        output.WriteLine($"{"label",-16} {"support",8} {"precision",10} {"recall",8} {"f1",8}");
        foreach (var c in metrics.Classes)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Label,-16} {c.Support,8} {c.Precision,10:0.0000} {c.Recall,8:0.0000} {c.F1,8:0.0000}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {metrics.Accuracy:0.0000}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"macro-F1 {metrics.MacroF1:0.0000}"));
    }

    private static DataDescription Describe(string directory, IReadOnlyList<LabeledMessage> messages) => new(
        directory,
        messages.Count,
        messages.GroupBy(m => m.Label, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    private sealed record CommandOptions(Dictionary<string, string> Values, HashSet<string> Flags, PipelineParameters Parameters)
    {
        public string Require(string name) =>
            Values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

        public static CommandOptions Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var flags = new HashSet<string>(StringComparer.Ordinal);
            var parameters = PipelineParameters.Default;
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : throw new ArgumentException($"unexpected argument '{args[i]}'.");
                if (name is "json" or "errors")
                {
                    flags.Add(name);
                }
                else if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"--{name} needs a value.");
                }
                else if (name == "set")
                {
                    parameters = Apply(parameters, args[++i]);
                }
                else
                {
                    values[name] = args[++i];
                }
            }

            return new CommandOptions(values, flags, parameters);
        }

        private static PipelineParameters Apply(PipelineParameters parameters, string assignment)
        {
            var (name, value) = assignment.Split('=', 2) is [var n, var v] ? (n, v) : throw new ArgumentException($"--set needs Name=Value, got '{assignment}'.");
            var invariant = CultureInfo.InvariantCulture;
            return name switch
            {
                nameof(PipelineParameters.WordHashBits) => parameters with { WordHashBits = int.Parse(value, invariant) },
                nameof(PipelineParameters.WordNgramLength) => parameters with { WordNgramLength = int.Parse(value, invariant) },
                nameof(PipelineParameters.CharHashBits) => parameters with { CharHashBits = int.Parse(value, invariant) },
                nameof(PipelineParameters.CharNgramLength) => parameters with { CharNgramLength = int.Parse(value, invariant) },
                nameof(PipelineParameters.MetaHashBits) => parameters with { MetaHashBits = int.Parse(value, invariant) },
                nameof(PipelineParameters.MaxBodyChars) => parameters with { MaxBodyChars = int.Parse(value, invariant) },
                nameof(PipelineParameters.MaxHeadChars) => parameters with { MaxHeadChars = int.Parse(value, invariant) },
                nameof(PipelineParameters.SublinearCounts) => parameters with { SublinearCounts = bool.Parse(value) },
                nameof(PipelineParameters.HeaderValueTokens) => parameters with { HeaderValueTokens = bool.Parse(value) },
                nameof(PipelineParameters.L2Regularization) => parameters with { L2Regularization = float.Parse(value, invariant) },
                nameof(PipelineParameters.L1Regularization) => parameters with { L1Regularization = float.Parse(value, invariant) },
                nameof(PipelineParameters.MaxIterations) => parameters with { MaxIterations = int.Parse(value, invariant) },
                nameof(PipelineParameters.ConvergenceTolerance) => parameters with { ConvergenceTolerance = float.Parse(value, invariant) },
                nameof(PipelineParameters.ClassWeightPower) => parameters with { ClassWeightPower = double.Parse(value, invariant) },
                nameof(PipelineParameters.Seed) => parameters with { Seed = int.Parse(value, invariant) },
                nameof(PipelineParameters.Trainer) => parameters with { Trainer = value },
                nameof(PipelineParameters.NormalizeMeta) => parameters with { NormalizeMeta = bool.Parse(value) },
                _ => throw new ArgumentException($"unknown parameter '{name}'."),
            };
        }
    }
}

/// <summary>A labelled folder as used for training or testing.</summary>
public sealed record DataDescription(string Directory, int Count, IReadOnlyDictionary<string, int> Labels);

public sealed record Timings(double Load, double Train, double Predict);

/// <summary>What <c>eval</c> prints with <c>--json</c>, and what <c>train</c> records next to the model.</summary>
public sealed record EvaluationReport
{
    public string? ModelVersion { get; init; }

    public string? ModelFile { get; init; }

    public long? ModelBytes { get; init; }

    public required DataDescription Train { get; init; }

    public required DataDescription Test { get; init; }

    public required PipelineParameters Parameters { get; init; }

    public required ClassificationMetrics Metrics { get; init; }

    public Timings? Seconds { get; init; }

    /// <summary>Misclassified test messages (eval with <c>--errors</c>).</summary>
    public IReadOnlyList<Misclassified>? Errors { get; init; }
}

public sealed record Misclassified(string Path, string Truth, string Predicted, double Confidence);
