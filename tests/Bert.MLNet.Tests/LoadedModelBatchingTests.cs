using Bert.MLNet.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

/// <summary>
/// A model loaded with plain ML.NET, its embedding step put back on the batched path (BertModelOperations): the same
/// numbers as the loaded model's own one-text-per-run OnnxTransformer, for every option the saved graph encodes.
/// </summary>
[Collection(nameof(TempFolderCollection))]
public sealed class LoadedModelBatchingTests
{
    private const float Tolerance = 1e-5f;

    public static TheoryData<string> Options => ["conventions", "separate-max", "concat-mean-normalized", "cls", "mean-sqrt-len", "first-last-avg", "windows-weighted"];

    [Theory]
    [MemberData(nameof(Options))]
    public void TheBatchedStepGivesTheLoadedModelsNumbers(string name)
    {
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, Texts(golden));
        using var folder = new TempFolder();
        var zip = Path.Combine(folder.Path, "model.zip");
        using (var fitted = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder, OptionsNamed(name)).Fit(data))
        {
            ml.Model.Save(fitted, data.Schema, zip);
        }

        using var loaded = (IDisposable)ml.Model.Load(zip, out var schema);
        var batched = ml.Model.LoadWithBatchedEmbeddings(zip, out var batchedSchema);
        try
        {
            Assert.Single(Parts(batched).OfType<BatchedEmbeddingTransformer>());
            Assert.Equal(schema.Select(c => (c.Name, c.Type)), batchedSchema.Select(c => (c.Name, c.Type)));
            var expected = ((ITransformer)loaded).Transform(data);
            var actual = batched.Transform(data);
            Assert.Equal(expected.Schema.Select(c => (c.Name, c.Type.ToString())), actual.Schema.Select(c => (c.Name, c.Type.ToString())));
            foreach (var column in expected.Schema.Where(c => c.Name.StartsWith('E')).Select(c => c.Name))
            {
                AssertClose(EstimatorContract.Values(expected, column), EstimatorContract.Values(actual, column), column);
            }
        }
        finally
        {
            ((IDisposable)batched).Dispose();
        }
    }

    [Fact]
    public void AWholeTrainedPipelineKeepsItsPredictionsItsPredictionEngineAndItsSavedForm()
    {
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext(seed: 1);
        var rows = Texts(golden).Select((t, i) => new LabeledRow { Text = t, Label = i % 3 == 0 ? "a" : "b" }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", golden.Folder, new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1") }))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Features"))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        using var folder = new TempFolder();
        var zip = Path.Combine(folder.Path, "model.zip");
        var resaved = Path.Combine(folder.Path, "resaved.zip");
        using (var fitted = pipeline.Fit(data))
        {
            ml.Model.Save(fitted, data.Schema, zip);
        }

        using var loaded = (IDisposable)ml.Model.Load(zip, out _);
        var batched = ml.Model.LoadWithBatchedEmbeddings(zip, out var schema);
        try
        {
            Assert.Single(Parts(batched).OfType<BatchedEmbeddingTransformer>());
            var expected = ((ITransformer)loaded).Transform(data);
            var actual = batched.Transform(data);
            Assert.Equal(expected.GetColumn<string>("PredictedLabel"), actual.GetColumn<string>("PredictedLabel"));
            AssertClose(EstimatorContract.Values(expected, "Score"), EstimatorContract.Values(actual, "Score"), "Score");

            // One row at a time: the loaded step's own mapper.
            var engine = ml.Model.CreatePredictionEngine<LabeledRow, Prediction>(batched);
            var scores = expected.GetColumn<float[]>("Score").ToArray();
            for (var i = 0; i < rows.Length; i += 7)
            {
                var prediction = engine.Predict(rows[i]);
                AssertClose([scores[i]], [prediction.Score], $"PredictionEngine row {i}");
            }

            // Saved again, it is the model that was loaded.
            ml.Model.Save(batched, schema, resaved);
        }
        finally
        {
            ((IDisposable)batched).Dispose();
        }

        using var reloaded = (IDisposable)ml.Model.Load(resaved, out _);
        Assert.Empty(Parts((ITransformer)reloaded).OfType<BatchedEmbeddingTransformer>());
        AssertClose(EstimatorContract.Values(((ITransformer)loaded).Transform(data), "Score"),
            EstimatorContract.Values(((ITransformer)reloaded).Transform(data), "Score"), "Score after saving the batched model");
    }

    [Fact]
    public void AnInt8ModelBatchesAsTheInMemoryTransformDoes()
    {
        // Int8 quantizes each run's activations with one scale, so its numbers follow the batches: the batched step
        // must batch exactly as the in-memory transform does.
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, Texts(golden));
        using var folder = new TempFolder();
        var zip = Path.Combine(folder.Path, "model.zip");
        List<object> expected;
        using (var fitted = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder, new EmbeddingOptions { Precision = Precision.Int8 }).Fit(data))
        {
            expected = EstimatorContract.Values(fitted.Transform(data), "E");
            ml.Model.Save(fitted, data.Schema, zip);
        }

        var batched = ml.Model.LoadWithBatchedEmbeddings(zip, out _);
        try
        {
            AssertClose(expected, EstimatorContract.Values(batched.Transform(data), "E"), "E");
        }
        finally
        {
            ((IDisposable)batched).Dispose();
        }
    }

    [Fact]
    public void TheTransformerOverloadFindsTheGraphWithoutTheFile()
    {
        var golden = Golden.For("tiny-bert-no-token-types");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, Texts(golden));
        using var folder = new TempFolder();
        var zip = Path.Combine(folder.Path, "model.zip");
        using (var fitted = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder).Append(ml.Transforms.Concatenate("Features", "E")).Fit(data))
        {
            ml.Model.Save(fitted, data.Schema, zip);
        }

        var loaded = ml.Model.Load(zip, out var schema);
        var expected = EstimatorContract.Values(loaded.Transform(data), "Features");
        var batched = ml.Model.BatchEmbeddings(loaded, schema);
        try
        {
            Assert.Single(Parts(batched).OfType<BatchedEmbeddingTransformer>());
            AssertClose(expected, EstimatorContract.Values(batched.Transform(data), "Features"), "Features");
            Assert.Equal(0, EstimatorContract.CountRows(batched.Transform(ml.Data.SkipRows(data, int.MaxValue))));
        }
        finally
        {
            ((IDisposable)batched).Dispose();
        }
    }

    [Fact]
    public void AModelWithoutAnEmbeddingStepComesBackAsItWasAndAWrongColumnTypeIsRefusedByName()
    {
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, ["one", "two"]);
        var plain = ml.Transforms.Text.FeaturizeText("F", "Text").Fit(data);
        Assert.Same(plain, ml.Model.BatchEmbeddings(plain, data.Schema));

        var golden = Golden.For("tiny-bert");
        using var folder = new TempFolder();
        var zip = Path.Combine(folder.Path, "model.zip");
        using (var fitted = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder).Fit(data))
        {
            ml.Model.Save(fitted, data.Schema, zip);
        }

        var batched = ml.Model.LoadWithBatchedEmbeddings(zip, out _);
        try
        {
            var numbers = ml.Data.LoadFromEnumerable([new NumberRow { Text = 1 }]);
            var error = Assert.ThrowsAny<ArgumentException>(() => batched.Transform(numbers));
            Assert.Contains("'Text'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            ((IDisposable)batched).Dispose();
        }

        var missing = Assert.Throws<FileNotFoundException>(() => ml.Model.LoadWithBatchedEmbeddings(Path.Combine(folder.Path, "none.zip"), out _));
        Assert.Contains("none.zip", missing.Message, StringComparison.Ordinal);
    }

    private static EmbeddingOptions? OptionsNamed(string name) => name switch
    {
        "conventions" => null,
        "separate-max" => new() { Layers = LayerSelection.Parse("-2..-1"), Pooling = Pooling.Max, Combine = LayerCombination.Separate },
        "concat-mean-normalized" => new() { Layers = LayerSelection.Parse("0,2,3"), Combine = LayerCombination.Concat, Normalize = true },
        "cls" => new() { Pooling = Pooling.Cls, Layers = LayerSelection.Parse("-1") },
        "mean-sqrt-len" => new() { Pooling = Pooling.MeanSqrtLen, Layers = LayerSelection.Parse("1..3"), Combine = LayerCombination.Mean },
        "first-last-avg" => new() { Pooling = Pooling.FirstLastAverage, Normalize = true },
        "windows-weighted" => new()
        {
            LongText = LongTextHandling.Window, MaxLength = 16, Stride = 4, Layers = LayerSelection.Parse("-2..-1"),
            Combine = LayerCombination.Weighted, LayerWeights = [0.25f, 0.75f],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    // The golden sentences, an empty text and long ones, so that batches pad, truncate and (with windows) split.
    private static string[] Texts(Golden golden) =>
        [.. golden.Sentences, "", string.Join(' ', golden.Sentences), string.Join(' ', golden.Sentences.Reverse().Take(5)), .. golden.Sentences.Select(s => s + " " + s)];

    private static IEnumerable<ITransformer> Parts(ITransformer model) =>
        model is TransformerChain<ITransformer> chain ? chain.SelectMany(Parts) : [model];

    private static void AssertClose(List<object> expected, List<object> actual, string column)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var row = 0; row < expected.Count; row++)
        {
            if (expected[row] is not float[] a || actual[row] is not float[] b)
            {
                Assert.Equal(expected[row], actual[row]);
                continue;
            }

            Assert.Equal(a.Length, b.Length);
            for (var i = 0; i < a.Length; i++)
            {
                Assert.True(Math.Abs(a[i] - b[i]) <= Tolerance, $"{column}, row {row}, value {i}: {a[i]} expected, {b[i]} batched.");
            }
        }
    }

    private sealed class LabeledRow
    {
        public string Text { get; set; } = string.Empty;

        public string Label { get; set; } = string.Empty;
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }

    private sealed class NumberRow
    {
        public float Text { get; set; }
    }

    private sealed class TempFolder : IDisposable
    {
        private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("bert-mlnet-test-");

        internal string Path => folder.FullName;

        public void Dispose() => folder.Delete(recursive: true);
    }
}
