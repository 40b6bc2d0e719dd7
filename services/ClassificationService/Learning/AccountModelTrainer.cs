using System.Diagnostics;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>One message of the user's mailbox with the (picked) Gmail label it carries.</summary>
/// <param name="Features">The message as the classifier sees it.</param>
/// <param name="Label">The Gmail label name the model learns to predict.</param>
/// <param name="MessageId">Gmail message id: decides the held-out split (stable across retraining) and finds conflicting labels.</param>
public sealed record LabeledExample(MessageFeatures Features, string Label, string? MessageId = null);

/// <summary>Settings of <see cref="AccountModelTrainer"/>.</summary>
public sealed record AccountTrainingOptions
{
    /// <summary>A picked label needs at least this many messages (else <see cref="InsufficientTrainingDataException"/>).</summary>
    public int MinExamplesPerLabel { get; init; } = 10;

    /// <summary>The newest/largest labels are capped at this many messages to bound training time.</summary>
    public int MaxExamplesPerLabel { get; init; } = 2000;

    /// <summary>Share of each label's messages held out to measure the model (at least one per label).</summary>
    public double HoldOutFraction { get; init; } = 0.2;

    /// <summary>
    /// After measuring on the held-out part, train the returned model on all messages (the figures then
    /// describe a model trained on slightly less data than the one returned).
    /// </summary>
    public bool RetrainOnAllExamples { get; init; } = true;

    /// <summary>
    /// The pipeline settings; smaller hash spaces than the default model's, since a mailbox has far fewer
    /// messages than the corpus and every account's model is held in memory.
    /// </summary>
    public PipelineParameters Parameters { get; init; } = new()
    {
        WordHashBits = 16,
        CharHashBits = 15,
        MetaHashBits = 13,
    };

    public static AccountTrainingOptions Default { get; } = new();
}

/// <summary>A trained per-account model, its bytes (to store) and how well it did on held-out messages.</summary>
public sealed record AccountModelResult
{
    public required CategoryModel Model { get; init; }

    /// <summary>The serialized model; <see cref="AccountModelTrainer.Load"/> reads it back.</summary>
    public required byte[] Bytes { get; init; }

    /// <summary><see cref="CategoryModel.Version"/> of <see cref="Model"/> (name + content hash).</summary>
    public string Version => Model.Version;

    /// <summary>Accuracy, per-label precision/recall/F1 and macro-F1 on the held-out messages.</summary>
    public required ClassificationMetrics HoldOutMetrics { get; init; }

    /// <summary>Messages used per label (after capping and dropping conflicting ones).</summary>
    public required IReadOnlyDictionary<string, int> ExamplesPerLabel { get; init; }

    public required int TrainCount { get; init; }

    public required int HoldOutCount { get; init; }

    /// <summary>Messages given with two different labels (left out: the model predicts one label per message).</summary>
    public int ConflictingExamples { get; init; }

    public required TimeSpan Duration { get; init; }
}

/// <summary>Thrown when the picked labels do not have enough messages to learn from.</summary>
public sealed class InsufficientTrainingDataException : Exception
{
    public InsufficientTrainingDataException(string message, IReadOnlyDictionary<string, int> examplesPerLabel, int minimumPerLabel)
        : base(message)
    {
        ExamplesPerLabel = examplesPerLabel;
        MinimumPerLabel = minimumPerLabel;
    }

    public InsufficientTrainingDataException()
        : this("Not enough labelled messages to train.", new Dictionary<string, int>(), 0)
    {
    }

    public InsufficientTrainingDataException(string message)
        : this(message, new Dictionary<string, int>(), 0)
    {
    }

    public InsufficientTrainingDataException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExamplesPerLabel = new Dictionary<string, int>();
    }

    /// <summary>Messages found per label.</summary>
    public IReadOnlyDictionary<string, int> ExamplesPerLabel { get; }

    public int MinimumPerLabel { get; }

    /// <summary>The labels below the minimum.</summary>
    public IReadOnlyList<string> LabelsWithTooFewExamples =>
        [.. ExamplesPerLabel.Where(p => p.Value < MinimumPerLabel).Select(p => p.Key).Order(StringComparer.Ordinal)];
}

/// <summary>
/// Learns a per-account model from the user's own Gmail labels: the same <see cref="CategoryPipeline"/>
/// as the default model, trained on (message, label) pairs of the labels the user picked. Measures it on
/// a stable held-out part of every label, then (by default) retrains on everything.
/// </summary>
public static class AccountModelTrainer
{
    /// <summary>Trains; throws <see cref="InsufficientTrainingDataException"/> when a label has too few messages or fewer than two labels remain.</summary>
    public static AccountModelResult Train(IEnumerable<LabeledExample> examples, AccountTrainingOptions? options = null, string name = "account")
    {
        ArgumentNullException.ThrowIfNull(examples);
        options ??= AccountTrainingOptions.Default;
        if (options.HoldOutFraction is <= 0 or >= 1)
        {
            throw new ArgumentException("HoldOutFraction must be between 0 and 1.", nameof(options));
        }

        var clock = Stopwatch.StartNew();
        var (usable, conflicting) = DropConflicts(examples);
        var byLabel = usable
            .GroupBy(e => e.Label, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var counts = byLabel.ToDictionary(p => p.Key, p => p.Value.Count, StringComparer.Ordinal);
        var minimum = Math.Max(2, options.MinExamplesPerLabel);
        var tooFew = counts.Where(p => p.Value < minimum).Select(p => $"'{p.Key}' ({p.Value})").Order(StringComparer.Ordinal).ToArray();
        if (tooFew.Length > 0)
        {
            throw new InsufficientTrainingDataException(
                $"Each label needs at least {minimum} messages to learn from; too few for {string.Join(", ", tooFew)}.",
                counts,
                minimum);
        }

        if (counts.Count < 2)
        {
            throw new InsufficientTrainingDataException(
                $"A model needs messages of at least two labels; got {counts.Count}.",
                counts,
                minimum);
        }

        var train = new List<LabeledExample>();
        var holdOut = new List<LabeledExample>();
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (label, list) in byLabel.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            // A stable order (by message id when given) so that the same mailbox gives the same split and model.
            var ordered = list
                .Select((example, index) => (example, key: StableKey(example, index)))
                .OrderBy(p => p.key)
                .Select(p => p.example)
                .Take(options.MaxExamplesPerLabel)
                .ToList();
            var held = Math.Max(1, (int)Math.Round(ordered.Count * options.HoldOutFraction));
            holdOut.AddRange(ordered.Take(held));
            train.AddRange(ordered.Skip(held));
            used[label] = ordered.Count;
        }

        var measured = CategoryModel.Train(train.Select(e => (e.Features, e.Label)), options.Parameters, name);
        var predictions = measured.PredictBatch(holdOut.Select(e => e.Features).ToList());
        var metrics = ClassificationMetrics.Compute(holdOut.Select((e, i) => (e.Label, predictions[i].Category)).ToList());
        var model = options.RetrainOnAllExamples
            ? CategoryModel.Train(train.Concat(holdOut).Select(e => (e.Features, e.Label)), options.Parameters, name)
            : measured;

        return new AccountModelResult
        {
            Model = model,
            Bytes = model.ToBytes(),
            HoldOutMetrics = metrics,
            ExamplesPerLabel = used,
            TrainCount = train.Count,
            HoldOutCount = holdOut.Count,
            ConflictingExamples = conflicting,
            Duration = clock.Elapsed,
        };
    }

    /// <summary>Reads a model stored from <see cref="AccountModelResult.Bytes"/>.</summary>
    public static CategoryModel Load(byte[] bytes, string name = "account") => CategoryModel.FromBytes(bytes, name);

    private static (List<LabeledExample> Usable, int Conflicting) DropConflicts(IEnumerable<LabeledExample> examples)
    {
        var all = examples.ToList();
        foreach (var example in all)
        {
            ArgumentNullException.ThrowIfNull(example, nameof(examples));
            ArgumentException.ThrowIfNullOrWhiteSpace(example.Label, nameof(examples));
        }

        var conflicted = all
            .Where(e => e.MessageId is not null)
            .GroupBy(e => e.MessageId!, StringComparer.Ordinal)
            .Where(g => g.Select(e => e.Label).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var usable = new List<LabeledExample>(all.Count);
        var dropped = 0;
        foreach (var example in all)
        {
            if (example.MessageId is { } id && (conflicted.Contains(id) || !seen.Add(id)))
            {
                dropped += conflicted.Contains(id) ? 1 : 0;
                continue;
            }

            usable.Add(example);
        }

        return (usable, dropped);
    }

    /// <summary>FNV-1a of the message id (or the position), mixed: a stable pseudo-random order.</summary>
    private static ulong StableKey(LabeledExample example, int index)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in example.MessageId ?? $"#{index}")
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
