using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Transforms.Text;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>The knobs of the text pipeline; recorded next to every trained model.</summary>
public sealed record PipelineParameters
{
    /// <summary>Hash space of word uni- and bigrams (2^bits).</summary>
    public int WordHashBits { get; init; } = 17;

    public int WordNgramLength { get; init; } = 2;

    /// <summary>Hash space of character n-grams (2^bits).</summary>
    public int CharHashBits { get; init; } = 17;

    public int CharNgramLength { get; init; } = 4;

    /// <summary>Characters of subject + body used for character n-grams (fixed by <see cref="ModelInput.MaxHeadChars"/>).</summary>
    public int CharTextLength => ModelInput.MaxHeadChars;

    public float L2Regularization { get; init; } = 1e-4f;

    public int MaxIterations { get; init; } = 40;

    /// <summary>
    /// Class weights as (N / (K·n_class))^power: 0 leaves the classes as they come, 1 fully balances them.
    /// Small classes (personal, employment) would otherwise be swallowed by the big ones.
    /// </summary>
    public double ClassWeightPower { get; init; } = 0.75;

    public int Seed { get; init; } = 1;

    /// <summary><c>sdca</c> (SdcaMaximumEntropy) or <c>lbfgs</c> (LbfgsMaximumEntropy).</summary>
    public string Trainer { get; init; } = "sdca";

    public float L1Regularization { get; init; }

    /// <summary>SDCA stops when the duality gap falls below this (its default, 0.1, stops too early for text).</summary>
    public float ConvergenceTolerance { get; init; } = 0.01f;

    /// <summary>L2-normalise the header/structure tokens like the text bags (else each token weighs 1).</summary>
    public bool NormalizeMeta { get; init; } = true;

    public static PipelineParameters Default { get; } = new();
}

/// <summary>
/// The one text classification pipeline the service, the trainer and the evaluation tool all use: hashed
/// word 1–2-grams and character 4-grams of subject + body (each L2-normalised), hashed header/structure
/// tokens, and a multiclass maximum-entropy model trained with SDCA.
/// </summary>
public static class CategoryPipeline
{
    public static IEstimator<ITransformer> Build(MLContext ml, PipelineParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(parameters);
        IEstimator<ITransformer> trainer = parameters.Trainer switch
        {
            "lbfgs" => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = "Features",
                ExampleWeightColumnName = nameof(ModelInput.Weight),
                L2Regularization = parameters.L2Regularization,
                L1Regularization = parameters.L1Regularization,
                MaximumNumberOfIterations = parameters.MaxIterations,
                NumberOfThreads = 1,
            }),
            "sdca" => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = "Features",
                ExampleWeightColumnName = nameof(ModelInput.Weight),
                L2Regularization = parameters.L2Regularization,
                L1Regularization = parameters.L1Regularization,
                MaximumNumberOfIterations = parameters.MaxIterations,
                ConvergenceTolerance = parameters.ConvergenceTolerance,
                // One thread keeps training reproducible (and the machine is shared).
                NumberOfThreads = 1,
            }),
            _ => throw new ArgumentException($"unknown trainer '{parameters.Trainer}' (sdca or lbfgs).", nameof(parameters)),
        };

        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(ModelInput.Label))
            .Append(ml.Transforms.Text.NormalizeText("NormText", nameof(ModelInput.Text), TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: false, keepPunctuations: false, keepNumbers: true))
            .Append(ml.Transforms.Text.ProduceHashedWordBags("WordBag", "NormText", numberOfBits: parameters.WordHashBits, ngramLength: parameters.WordNgramLength, useAllLengths: true))
            .Append(ml.Transforms.NormalizeLpNorm("WordBag"))
            .Append(ml.Transforms.Text.NormalizeText("NormHead", nameof(ModelInput.Head), TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: false, keepPunctuations: false, keepNumbers: true))
            .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Chars", "NormHead", useMarkerCharacters: true))
            .Append(ml.Transforms.Text.ProduceHashedNgrams("CharGrams", "Chars", numberOfBits: parameters.CharHashBits, ngramLength: parameters.CharNgramLength, useAllLengths: false))
            .Append(ml.Transforms.NormalizeLpNorm("CharGrams"))
            .Append(ml.Transforms.Text.ProduceHashedWordBags("MetaBag", nameof(ModelInput.Meta), numberOfBits: 14, ngramLength: 1, useAllLengths: false))
            .Append(parameters.NormalizeMeta ? (IEstimator<ITransformer>)ml.Transforms.NormalizeLpNorm("MetaBag") : ml.Transforms.CopyColumns("MetaBag", "MetaBag"))
            .Append(ml.Transforms.Concatenate("Features", "WordBag", "CharGrams", "MetaBag"))
            // Featurize once: the trainer passes over the data many times.
            .AppendCacheCheckpoint(ml)
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
    }

    /// <summary>Weights each row by its class's rarity (see <see cref="PipelineParameters.ClassWeightPower"/>).</summary>
    public static void AssignClassWeights(IReadOnlyList<ModelInput> rows, double power)
    {
        var counts = rows.GroupBy(r => r.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var row in rows)
        {
            row.Weight = (float)Math.Pow(rows.Count / ((double)counts.Count * counts[row.Label]), power);
        }
    }
}
