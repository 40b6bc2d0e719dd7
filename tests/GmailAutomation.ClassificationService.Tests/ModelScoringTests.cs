using GmailAutomation.ClassificationService.Classification;
using GmailAutomation.ClassificationService.Learning;
using GmailAutomation.MailParsing;

namespace GmailAutomation.ClassificationService.Tests;

/// <summary>The fast scorer against ML.NET itself, reproducibility, batches, threads and the feature vector.</summary>
public sealed class ModelScoringTests
{
    private static readonly string[] Topics = ["budget", "contract", "pipeline", "lunch", "holiday", "invoice", "prize", "offer"];

    private static (MessageFeatures Features, string Label)[] Examples(int count, int seed)
    {
        var random = new Random(seed);
        string[] labels = ["Work", "Personal", "Spam"];
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var label = labels[i % labels.Length];
            var words = string.Join(' ', Enumerable.Range(0, 30).Select(_ => Topics[random.Next(Topics.Length)]));
            var message = TestMail.Features(
                from: $"{label.ToLowerInvariant()}{random.Next(5)}@{label.ToLowerInvariant()}.example",
                subject: $"{label} {Topics[random.Next(Topics.Length)]}",
                body: $"{label} says: {words}");
            return (message, label);
        })];
    }

    private static readonly Lazy<CategoryModel> Model = new(() => CategoryModel.Train(Examples(90, 1), PipelineParameters.Default with { WordHashBits = 14, CharHashBits = 12 }, "scoring"));

    [Fact]
    public void Fast_scores_equal_the_scores_of_the_mlnet_model()
    {
        var messages = Examples(30, 2).Select(e => e.Features).ToList();
        messages.Add(TestMail.Parse(string.Empty));
        messages.Add(TestMail.Features(body: string.Concat(Enumerable.Repeat("big body ", 50_000))));

        var reference = Model.Value.ScoreWithMlNet(messages);

        for (var i = 0; i < messages.Count; i++)
        {
            var prediction = Model.Value.Predict(messages[i]);
            for (var k = 0; k < Model.Value.Labels.Count; k++)
            {
                Assert.Equal(reference[i][k], prediction.Scores[Model.Value.Labels[k]], 5);
            }
        }
    }

    [Fact]
    public void Batch_and_parallel_predictions_equal_single_ones()
    {
        var messages = Examples(60, 3).Select(e => e.Features).ToList();
        var single = messages.Select(Model.Value.Predict).ToArray();

        var batch = Model.Value.PredictBatch(messages);
        var parallel = new ModelPrediction?[messages.Count];
        Parallel.For(0, messages.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = Model.Value.Predict(messages[i]));

        for (var i = 0; i < messages.Count; i++)
        {
            Assert.Equal(single[i].Category, batch[i].Category);
            Assert.Equal(single[i].Confidence, batch[i].Confidence, 6);
            Assert.Equal(single[i].Confidence, parallel[i]!.Confidence, 6);
        }
    }

    [Fact]
    public void The_same_data_gives_the_same_model_bytes_and_version()
    {
        var parameters = PipelineParameters.Default with { WordHashBits = 12, CharHashBits = 10 };
        var first = CategoryModel.Train(Examples(30, 4), parameters, "same");
        var second = CategoryModel.Train(Examples(30, 4), parameters, "same");

        Assert.Equal(first.ToBytes(), second.ToBytes());
        Assert.Equal(first.Version, second.Version);
        Assert.Equal(parameters, CategoryModel.FromBytes(first.ToBytes(), "same").Parameters);
    }

    [Fact]
    public void Bytes_that_are_not_a_model_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => CategoryModel.FromBytes([1, 2, 3, 4]));
    }

    [Fact]
    public void Each_feature_block_is_a_unit_vector_and_the_body_is_read_only_up_to_its_limit()
    {
        var parameters = PipelineParameters.Default with { MaxBodyChars = 100, MaxHeadChars = 50 };
        var vectorizer = new MessageVectorizer(parameters);
        var buffer = new FeatureBuffer(vectorizer.Dimension);
        var start = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau";
        var shortMessage = TestMail.Features(subject: "Hi", body: start);
        var longMessage = TestMail.Features(subject: "Hi", body: start + new string(' ', 100 - start.Length) + string.Concat(Enumerable.Repeat(" upsilon phi chi psi omega", 1000)));

        vectorizer.Vectorize(shortMessage, buffer);
        var words = buffer.Indices.ToArray().Where(i => i < 1 << parameters.WordHashBits).ToArray();
        var chars = buffer.Indices.ToArray().Where(i => i >= 1 << parameters.WordHashBits && i < (1 << parameters.WordHashBits) + (1 << parameters.CharHashBits)).ToArray();
        var meta = buffer.Indices.ToArray().Where(i => i >= (1 << parameters.WordHashBits) + (1 << parameters.CharHashBits)).ToArray();
        Assert.Equal(1.0, words.Sum(i => (double)buffer[i] * buffer[i]), 5);
        Assert.Equal(1.0, chars.Sum(i => (double)buffer[i] * buffer[i]), 5);
        Assert.Equal(1.0, meta.Sum(i => (double)buffer[i] * buffer[i]), 5);
        var textFeatures = words.Concat(chars).Order().ToArray();
        var textValues = textFeatures.Select(i => buffer[i]).ToArray();

        buffer.Clear();
        vectorizer.Vectorize(longMessage, buffer);
        var longText = buffer.Indices.ToArray().Where(i => i < (1 << parameters.WordHashBits) + (1 << parameters.CharHashBits)).Order().ToArray();

        // Words past MaxBodyChars and characters past MaxHeadChars are not read; the body length bucket differs.
        Assert.Equal(textFeatures, longText);
        Assert.Equal(textValues, longText.Select(i => buffer[i]).ToArray());
    }
}
