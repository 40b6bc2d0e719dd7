using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.MailParsing;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace GmailAutomation.ClassificationService.Learning;

/// <summary>
/// A trained <see cref="CategoryPipeline"/> model: predicts a label with its probability. Thread-safe.
/// <para>
/// Stored as one zip: <c>pipeline.json</c> (the <see cref="PipelineParameters"/> that shape the features)
/// and the ML.NET model under <c>mlnet/</c>, with fixed timestamps so the same model gives the same bytes.
/// Prediction featurizes with <see cref="MessageVectorizer"/> and scores the maximum-entropy model's
/// weights directly (softmax of one sparse dot product per class), which is what ML.NET computes, without
/// its per-call prediction-engine overhead.
/// </para>
/// </summary>
public sealed class CategoryModel : ICategoryModel
{
    private const string ParametersEntry = "pipeline.json";
    private const string MlNetPrefix = "mlnet/";
    private static readonly DateTimeOffset FixedTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly MLContext _ml;
    private readonly ITransformer _transformer;
    private readonly DataViewSchema _inputSchema;
    private readonly MessageVectorizer _vectorizer;
    private readonly string[] _labels;

    // Row-major by feature: the K class weights of one feature sit together, so one sparse pass scores all classes.
    private readonly float[] _weights;
    private readonly float[] _biases;
    private readonly byte[] _bytes;

    private CategoryModel(MLContext ml, ITransformer transformer, DataViewSchema inputSchema, PipelineParameters parameters, byte[] bytes, string name)
    {
        _ml = ml;
        _transformer = transformer;
        _inputSchema = inputSchema;
        _vectorizer = new MessageVectorizer(parameters);
        _bytes = bytes;
        Version = VersionOf(name, bytes);

        VBuffer<ReadOnlyMemory<char>> names = default;
        transformer.GetOutputSchema(inputSchema)["Score"].GetSlotNames(ref names);
        _labels = [.. names.DenseValues().Select(n => n.ToString())];

        var linear = (transformer as IEnumerable<ITransformer> ?? [transformer])
            .OfType<IPredictionTransformer<object>>()
            .Select(t => t.Model)
            .OfType<LinearMulticlassModelParametersBase>()
            .SingleOrDefault()
            ?? throw new InvalidDataException("The model holds no linear multiclass predictor.");
        VBuffer<float>[] weights = [];
        linear.GetWeights(ref weights, out var classes);
        if (classes != _labels.Length)
        {
            throw new InvalidDataException($"The model has {classes} classes but {_labels.Length} label names.");
        }

        var dimension = _vectorizer.Dimension;
        _weights = new float[dimension * classes];
        for (var k = 0; k < classes; k++)
        {
            if (weights[k].Length != dimension)
            {
                throw new InvalidDataException($"The model's weights have {weights[k].Length} features, the pipeline makes {dimension}.");
            }

            foreach (var (index, value) in weights[k].Items())
            {
                _weights[(index * classes) + k] = value;
            }
        }

        _biases = [.. linear.GetBiases()];
    }

    /// <summary>Names the model: <c>name@</c> and the first 12 hex digits of the SHA-256 of its bytes.</summary>
    public string Version { get; }

    /// <summary>The labels the model can predict (categories, or the user's Gmail labels).</summary>
    public IReadOnlyList<string> Labels => _labels;

    public PipelineParameters Parameters => _vectorizer.Parameters;

    /// <summary>The serialized model (what <see cref="FromBytes"/> reads); a copy.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>Trains the pipeline on labelled corpus messages.</summary>
    public static CategoryModel Train(IEnumerable<LabeledMessage> messages, PipelineParameters parameters, string name = "model")
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Train(messages.Select(m => (m.Features, m.Label)), parameters, name);
    }

    /// <summary>Trains the pipeline on (message, label) pairs; <paramref name="name"/> prefixes the version.</summary>
    public static CategoryModel Train(IEnumerable<(MessageFeatures Features, string Label)> examples, PipelineParameters parameters, string name = "model")
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(parameters);
        var vectorizer = new MessageVectorizer(parameters);
        var buffer = new FeatureBuffer(vectorizer.Dimension);
        var rows = new List<TrainingRow>();
        foreach (var (features, label) in examples)
        {
            ArgumentException.ThrowIfNullOrEmpty(label, nameof(examples));
            buffer.Clear();
            vectorizer.Vectorize(features, buffer);
            rows.Add(new TrainingRow { Label = label, Features = buffer.ToVBuffer() });
        }

        if (rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count() < 2)
        {
            throw new ArgumentException("Training needs messages of at least two labels.", nameof(examples));
        }

        CategoryPipeline.AssignClassWeights(rows, parameters.ClassWeightPower);
        var ml = new MLContext(seed: parameters.Seed);
        var data = CategoryPipeline.Load(ml, rows, vectorizer.Dimension);
        var transformer = CategoryPipeline.Build(ml, parameters).Fit(data);
        var bytes = Serialize(ml, transformer, data.Schema, parameters);
        return new CategoryModel(ml, transformer, data.Schema, parameters, bytes, name);
    }

    /// <summary>Reads a model from <see cref="ToBytes"/>; <paramref name="name"/> prefixes the version.</summary>
    public static CategoryModel FromBytes(byte[] bytes, string name = "model")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        PipelineParameters? parameters = null;
        using var mlnet = new MemoryStream();
        try
        {
            using (var source = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read))
            using (var target = new ZipArchive(mlnet, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var entry in source.Entries)
                {
                    using var stream = entry.Open();
                    if (entry.FullName == ParametersEntry)
                    {
                        parameters = JsonSerializer.Deserialize<PipelineParameters>(stream, Json);
                    }
                    else if (entry.FullName.StartsWith(MlNetPrefix, StringComparison.Ordinal))
                    {
                        using var copy = target.CreateEntry(entry.FullName[MlNetPrefix.Length..]).Open();
                        stream.CopyTo(copy);
                    }
                }
            }
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException("The bytes are not a classification model.", exception);
        }

        if (parameters is null)
        {
            throw new InvalidDataException($"The model has no {ParametersEntry}.");
        }

        var ml = new MLContext(seed: parameters.Seed);
        mlnet.Position = 0;
        var transformer = ml.Model.Load(mlnet, out var schema);
        return new CategoryModel(ml, transformer, schema, parameters, bytes, name);
    }

    /// <summary>Loads a model file; the version is named after the file.</summary>
    public static CategoryModel Load(string path) =>
        FromBytes(File.ReadAllBytes(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>Saves the model; the returned version names the saved bytes (file name + content hash).</summary>
    public string Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, _bytes);
        return VersionOf(Path.GetFileNameWithoutExtension(path), _bytes);
    }

    private static string VersionOf(string name, byte[] bytes) =>
        $"{name}@{Convert.ToHexStringLower(SHA256.HashData(bytes))[..12]}";

    private static byte[] Serialize(MLContext ml, ITransformer transformer, DataViewSchema schema, PipelineParameters parameters)
    {
        using var mlnet = new MemoryStream();
        ml.Model.Save(transformer, schema, mlnet);
        mlnet.Position = 0;
        using var output = new MemoryStream();
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            var json = target.CreateEntry(ParametersEntry, CompressionLevel.Optimal);
            json.LastWriteTime = FixedTime;
            using (var stream = json.Open())
            {
                JsonSerializer.Serialize(stream, parameters, Json);
            }

            using var source = new ZipArchive(mlnet, ZipArchiveMode.Read);
            foreach (var entry in source.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                var copy = target.CreateEntry(MlNetPrefix + entry.FullName, CompressionLevel.Optimal);
                copy.LastWriteTime = FixedTime;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }

        return output.ToArray();
    }

    public ModelPrediction Predict(MessageFeatures message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = FeatureBuffer.Rent(_vectorizer.Dimension);
        _vectorizer.Vectorize(message, buffer);
        var scores = new float[_labels.Length];
        Score(buffer, scores);
        buffer.Clear();
        return ToPrediction(scores);
    }

    /// <summary>Predicts many messages (one featurization buffer for all of them).</summary>
    public IReadOnlyList<ModelPrediction> PredictBatch(IReadOnlyList<MessageFeatures> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var results = new ModelPrediction[messages.Count];
        var buffer = FeatureBuffer.Rent(_vectorizer.Dimension);
        for (var i = 0; i < messages.Count; i++)
        {
            _vectorizer.Vectorize(messages[i], buffer);
            var scores = new float[_labels.Length];
            Score(buffer, scores);
            buffer.Clear();
            results[i] = ToPrediction(scores);
        }

        return results;
    }

    /// <summary>
    /// Scores through ML.NET itself (Transform over a data view) — the reference the fast scorer must
    /// match; slower, used by tests and for checking a loaded model.
    /// </summary>
    internal IReadOnlyList<float[]> ScoreWithMlNet(IReadOnlyList<MessageFeatures> messages)
    {
        var buffer = new FeatureBuffer(_vectorizer.Dimension);
        var rows = messages.Select(m =>
        {
            buffer.Clear();
            _vectorizer.Vectorize(m, buffer);
            return new TrainingRow { Label = _labels[0], Features = buffer.ToVBuffer() };
        }).ToList();
        var scored = _transformer.Transform(CategoryPipeline.Load(_ml, rows, _vectorizer.Dimension));
        return [.. scored.GetColumn<float[]>("Score")];
    }

    private void Score(FeatureBuffer buffer, Span<float> scores)
    {
        var classes = scores.Length;
        _biases.CopyTo(scores);
        var weights = _weights.AsSpan();
        foreach (var index in buffer.Indices)
        {
            var value = buffer[index];
            var row = weights.Slice(index * classes, classes);
            for (var k = 0; k < classes; k++)
            {
                scores[k] += value * row[k];
            }
        }

        // Softmax, as the maximum-entropy model's probabilities.
        var max = float.NegativeInfinity;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        var sum = 0f;
        for (var k = 0; k < classes; k++)
        {
            scores[k] = MathF.Exp(scores[k] - max);
            sum += scores[k];
        }

        for (var k = 0; k < classes; k++)
        {
            scores[k] /= sum;
        }
    }

    private ModelPrediction ToPrediction(float[] scores)
    {
        var best = 0;
        var named = new Dictionary<string, float>(_labels.Length, StringComparer.Ordinal);
        for (var k = 0; k < scores.Length; k++)
        {
            named[_labels[k]] = scores[k];
            if (scores[k] > scores[best])
            {
                best = k;
            }
        }

        return new ModelPrediction(_labels[best], scores.Length == 0 ? 0 : scores[best], named);
    }
}
