using System.Collections.Concurrent;
using System.Security.Cryptography;
using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.MailParsing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>A trained <see cref="CategoryPipeline"/> model: predicts a category with its probability.</summary>
public sealed class CategoryModel : ICategoryModel
{
    private readonly MLContext _ml;
    private readonly ITransformer _transformer;
    private readonly string[] _labels;

    // Prediction engines are not thread-safe; a small pool lets concurrent requests share them.
    private readonly ConcurrentBag<PredictionEngine<ModelInput, ModelOutput>> _engines = [];

    private CategoryModel(MLContext ml, ITransformer transformer, DataViewSchema inputSchema, string version)
    {
        _ml = ml;
        _transformer = transformer;
        Version = version;
        var scoreColumn = transformer.GetOutputSchema(inputSchema)["Score"];
        VBuffer<ReadOnlyMemory<char>> names = default;
        scoreColumn.GetSlotNames(ref names);
        _labels = [.. names.DenseValues().Select(n => n.ToString())];
        InputSchema = inputSchema;
    }

    public string Version { get; }

    public IReadOnlyList<string> Labels => _labels;

    public DataViewSchema InputSchema { get; }

    public ITransformer Transformer => _transformer;

    /// <summary>Trains the pipeline on labelled messages.</summary>
    public static CategoryModel Train(IEnumerable<LabeledMessage> messages, PipelineParameters parameters, string versionPrefix = "model")
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(parameters);
        var rows = messages.Select(m => ModelInput.From(m.Features, m.Label)).ToList();
        if (rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count() < 2)
        {
            throw new ArgumentException("Training needs messages of at least two labels.", nameof(messages));
        }

        CategoryPipeline.AssignClassWeights(rows, parameters.ClassWeightPower);
        var ml = new MLContext(seed: parameters.Seed);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = CategoryPipeline.Build(ml, parameters).Fit(data);
        return new CategoryModel(ml, transformer, data.Schema, $"{versionPrefix}-untagged");
    }

    public static CategoryModel Load(string path)
    {
        var ml = new MLContext(seed: 1);
        var bytes = File.ReadAllBytes(path);
        using var stream = new MemoryStream(bytes, writable: false);
        var transformer = ml.Model.Load(stream, out var schema);
        return new CategoryModel(ml, transformer, schema, VersionOf(Path.GetFileNameWithoutExtension(path), bytes));
    }

    /// <summary>Saves the model; the returned version names the saved bytes (file name + content hash).</summary>
    public string Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using (var stream = File.Create(path))
        {
            _ml.Model.Save(_transformer, InputSchema, stream);
        }

        return VersionOf(Path.GetFileNameWithoutExtension(path), File.ReadAllBytes(path));
    }

    private static string VersionOf(string name, byte[] bytes) =>
        $"{name}@{Convert.ToHexStringLower(SHA256.HashData(bytes))[..12]}";

    public ModelPrediction Predict(MessageFeatures message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_engines.TryTake(out var engine))
        {
            engine = _ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(_transformer, InputSchema);
        }

        try
        {
            var output = engine.Predict(ModelInput.From(message));
            var scores = new Dictionary<string, float>(_labels.Length, StringComparer.Ordinal);
            var best = 0;
            for (var i = 0; i < _labels.Length && i < output.Score.Length; i++)
            {
                scores[_labels[i]] = output.Score[i];
                if (output.Score[i] > output.Score[best])
                {
                    best = i;
                }
            }

            return new ModelPrediction(_labels[best], output.Score.Length == 0 ? 0 : output.Score[best], scores);
        }
        finally
        {
            _engines.Add(engine);
        }
    }
}
