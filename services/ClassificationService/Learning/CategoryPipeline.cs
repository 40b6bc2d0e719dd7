using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>One training row: the hashed feature vector (<see cref="MessageVectorizer"/>), the label and its weight.</summary>
public sealed class TrainingRow
{
    public string Label { get; set; } = string.Empty;

    public float Weight { get; set; } = 1;

    public VBuffer<float> Features { get; set; }
}

/// <summary>
/// The one classification pipeline the service, the trainer, the evaluation tool and the per-account
/// trainer all use: <see cref="MessageVectorizer"/> features and a multiclass maximum-entropy (softmax)
/// model trained by ML.NET (SDCA or L-BFGS).
/// </summary>
public static class CategoryPipeline
{
    /// <summary>The ML.NET part: label → key, the trainer, key → label.</summary>
    public static IEstimator<ITransformer> Build(MLContext ml, PipelineParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        IEstimator<ITransformer> trainer = parameters.Trainer switch
        {
            "lbfgs" => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = nameof(TrainingRow.Features),
                ExampleWeightColumnName = nameof(TrainingRow.Weight),
                L2Regularization = parameters.L2Regularization,
                L1Regularization = parameters.L1Regularization,
                MaximumNumberOfIterations = parameters.MaxIterations,
                NumberOfThreads = 1,
            }),
            _ => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = nameof(TrainingRow.Features),
                ExampleWeightColumnName = nameof(TrainingRow.Weight),
                L2Regularization = parameters.L2Regularization,
                L1Regularization = parameters.L1Regularization,
                MaximumNumberOfIterations = parameters.MaxIterations,
                ConvergenceTolerance = parameters.ConvergenceTolerance,
                // One thread keeps training reproducible (and the machine is shared).
                NumberOfThreads = 1,
            }),
        };

        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(TrainingRow.Label))
            .AppendCacheCheckpoint(ml)
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
    }

    /// <summary>The rows as an ML.NET data view whose feature column has the vectorizer's dimension.</summary>
    public static IDataView Load(MLContext ml, IEnumerable<TrainingRow> rows, int dimension)
    {
        ArgumentNullException.ThrowIfNull(ml);
        var schema = SchemaDefinition.Create(typeof(TrainingRow));
        schema[nameof(TrainingRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Weights each row by its class's rarity (see <see cref="PipelineParameters.ClassWeightPower"/>).</summary>
    public static void AssignClassWeights(IReadOnlyList<TrainingRow> rows, double power)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var counts = rows.GroupBy(r => r.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var row in rows)
        {
            row.Weight = (float)Math.Pow(rows.Count / ((double)counts.Count * counts[row.Label]), power);
        }
    }
}
