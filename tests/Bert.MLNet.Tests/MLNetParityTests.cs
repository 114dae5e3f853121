using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;

namespace Bert.MLNet.Tests;

/// <summary>
/// Through the ML.NET API: every test model, every hidden state and pooling against PyTorch's goldens, in memory
/// (batch sizes 1 and 16), after save and load, and one row at a time through PredictionEngine.
/// </summary>
public sealed class MLNetParityTests
{
    private const float Tolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(EmbeddingParityTests.Models), MemberType = typeof(EmbeddingParityTests))]
    public void EveryLayerAndPoolingMatchesPyTorchInMemoryAndAfterLoading(string name, int batchSize)
    {
        var golden = Golden.For(name);
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
        foreach (var (pooling, key) in new[] { (Pooling.Cls, "cls"), (Pooling.Mean, "mean"), (Pooling.Max, "max"), (Pooling.MeanSqrtLen, "mean-sqrt-len") })
        {
            var options = new EmbeddingOptions { Layers = LayerSelection.All, Pooling = pooling, Combine = LayerCombination.Separate, BatchSize = batchSize };
            using var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder, options).Fit(data);
            Assert.Equal(golden.LayerCount + 1, transformer.VectorColumnNames.Count);
            var inMemory = transformer.Transform(data);
            using var loaded = SaveAndLoad(ml, transformer, data);
            var reloaded = loaded.Transform(data);
            for (var layer = 0; layer <= golden.LayerCount; layer++)
            {
                var column = $"E.Layer{layer}";
                var fast = inMemory.GetColumn<float[]>(column).ToArray();
                var saved = reloaded.GetColumn<float[]>(column).ToArray();
                for (var row = 0; row < golden.Sentences.Length; row++)
                {
                    AssertClose(golden.Pooled[key][layer][row], fast[row], $"{name} {key} layer {layer} row {row} in memory");
                    AssertClose(golden.Pooled[key][layer][row], saved[row], $"{name} {key} layer {layer} row {row} loaded");
                }
            }
        }
    }

    [Fact]
    public void PredictionEngineGivesTheTransformsNumbers()
    {
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("0,-1"), Pooling = Pooling.Mean, Combine = LayerCombination.Concat, Normalize = true };
        using var transformer = ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", golden.Folder, options).Fit(data);
        var expected = transformer.Transform(data).GetColumn<float[]>("Features").ToArray();
        var engine = ml.Model.CreatePredictionEngine<BertEmbeddingTransformTests.TextRow, Prediction>(transformer);
        using var loaded = SaveAndLoad(ml, transformer, data);
        var loadedEngine = new MLContext().Model.CreatePredictionEngine<BertEmbeddingTransformTests.TextRow, Prediction>(loaded);
        for (var row = 0; row < golden.Sentences.Length; row++)
        {
            var input = new BertEmbeddingTransformTests.TextRow { Text = golden.Sentences[row] };
            var prediction = engine.Predict(input);
            Assert.Equal(2 * 32, prediction.Features.Length);
            AssertClose(expected[row], prediction.Features, $"row {row}");
            AssertClose(expected[row], loadedEngine.Predict(input).Features, $"row {row} loaded");
            Assert.Equal(golden.Mask[row] - 2, prediction.TokenCount);
        }
    }

    [Fact]
    public void CombinationsAndFirstLastAverageMatchTheLibrary()
    {
        var golden = Golden.For("tiny-bert-opset17");
        using var model = BertModel.Load(golden.Folder);
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
        EmbeddingOptions[] variants =
        [
            new() { Layers = LayerSelection.Parse("1..-1"), Combine = LayerCombination.Mean },
            new() { Layers = LayerSelection.Parse("0,2"), Combine = LayerCombination.Weighted, LayerWeights = [0.25f, 0.75f], Pooling = Pooling.MeanSqrtLen },
            new() { Pooling = Pooling.FirstLastAverage, Normalize = true },
            new() { Layers = LayerSelection.All, Pooling = Pooling.Max, MaxLength = 6, LongText = LongTextHandling.Window, Stride = 1 },
            new() { Layers = LayerSelection.Last, Pooling = Pooling.Cls, MaxLength = 5 },
        ];
        foreach (var options in variants)
        {
            var expected = model.Embed(golden.Sentences, options);
            using var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder, options).Fit(data);
            using var loaded = SaveAndLoad(ml, transformer, data);
            var output = loaded.Transform(data);
            var vectors = output.GetColumn<float[]>("E").ToArray();
            var counts = output.GetColumn<int>("E.TokenCount").ToArray();
            var truncated = output.GetColumn<bool>("E.Truncated").ToArray();
            var windows = output.GetColumn<int>("E.WindowCount").ToArray();
            for (var row = 0; row < golden.Sentences.Length; row++)
            {
                AssertClose(expected[row].ToArray(), vectors[row], $"{options} row {row}");
                Assert.Equal(expected.TokenCounts[row], counts[row]);
                Assert.Equal(expected.Truncated[row], truncated[row]);
                Assert.Equal(expected.WindowCounts[row], windows[row]);
            }
        }
    }

    [Fact]
    public void TokenizeForBertAndTheExportedPooledGraphComposeIntoTheSameEmbedding()
    {
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Pooling = Pooling.Mean };
        var graph = Path.Combine(Path.GetTempPath(), $"bert-mlnet-test-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var model = BertModel.Load(golden.Folder))
            {
                model.ExportOnnx(graph, options);
            }

            var composed = ml.Transforms.Text.TokenizeForBert("Text", golden.Folder)
                .Append(ml.Transforms.ApplyOnnxModel(["embedding"], ["input_ids", "attention_mask", "token_type_ids"], graph))
                .Fit(data);
            var actual = composed.Transform(data).GetColumn<float[]>("embedding").ToArray();
            (composed as IDisposable)?.Dispose();
            using var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder, options).Fit(data);
            var expected = transformer.Transform(data).GetColumn<float[]>("E").ToArray();
            for (var row = 0; row < expected.Length; row++)
            {
                AssertClose(expected[row], actual[row], $"row {row}");
            }
        }
        finally
        {
            File.Delete(graph);
        }
    }

    [Fact]
    public void TokenizeForBertGivesTheGoldenIds()
    {
        var golden = Golden.For("tiny-bert-odd-special-ids");
        var ml = new MLContext();
        var output = ml.Transforms.Text.TokenizeForBert("Text", golden.Folder).Fit(BertEmbeddingTransformTests.Texts(ml, golden.Sentences))
            .Transform(BertEmbeddingTransformTests.Texts(ml, golden.Sentences));
        var ids = output.GetColumn<long[]>("input_ids").ToArray();
        var masks = output.GetColumn<long[]>("attention_mask").ToArray();
        var counts = output.GetColumn<int>("TokenCount").ToArray();
        for (var row = 0; row < golden.Sentences.Length; row++)
        {
            Assert.Equal(golden.InputIds[row].Select(i => (long)i), ids[row]);
            Assert.All(masks[row], m => Assert.Equal(1, m));
            Assert.Equal(golden.Mask[row] - 2, counts[row]);
        }
    }

    [Fact]
    public void AnotherTokenizerRunsInMemoryButCannotBeSaved()
    {
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
        // ML.NET's own BertTokenizer over the same vocabulary: on these plain sentences it agrees with Hugging Face.
        var theirs = BertTokenizer.Create(Path.Combine(golden.Folder, "vocab.txt"), new BertOptions { LowerCaseBeforeTokenization = true });
        using var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder, new EmbeddingOptions { Tokenizer = theirs }).Fit(data);
        var vectors = transformer.Transform(data).GetColumn<float[]>("E").ToArray();
        for (var row = 0; row < golden.Sentences.Length; row++)
        {
            AssertClose(golden.Pooled["mean"][golden.LayerCount][row], vectors[row], $"row {row}");
        }

        var error = Assert.Throws<NotSupportedException>(() => ml.Model.Save(transformer, data.Schema, Path.Combine(Path.GetTempPath(), "never-written.zip")));
        Assert.Contains("Microsoft.ML.Tokenizers.BertTokenizer cannot be saved", error.Message, StringComparison.Ordinal);
    }

    internal static TransformerChain<ITransformer> SaveAndLoad(MLContext ml, ITransformer transformer, IDataView data)
    {
        var file = Path.Combine(Path.GetTempPath(), $"bert-mlnet-test-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(transformer, data.Schema, file);
            return (TransformerChain<ITransformer>)new MLContext().Model.Load(file, out _);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(expected[i] - actual[i]) > Tolerance)
            {
                Assert.Fail($"{what}, value {i}: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    private sealed class Prediction
    {
        public float[] Features { get; set; } = [];

        [ColumnName("Features.TokenCount")]
        public int TokenCount { get; set; }
    }
}
