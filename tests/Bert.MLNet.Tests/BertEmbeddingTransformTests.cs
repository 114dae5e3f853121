using Bert.MLNet.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

/// <summary>ApplyBertEmbedding and TokenizeForBert in ML.NET pipelines: the estimator contract, PyTorch parity, save and load.</summary>
public sealed class BertEmbeddingTransformTests
{
    internal sealed class TextRow
    {
        public string Text { get; set; } = string.Empty;
    }

    internal static IDataView Texts(MLContext ml, IEnumerable<string> texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    [Fact]
    public void ApplyBertEmbeddingKeepsTheEstimatorContract() =>
        EstimatorContract.Check(
            ml => ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", Golden.For("tiny-bert").Folder,
                new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Pooling = Pooling.Mean }),
            Texts(new MLContext(), Golden.For("tiny-bert").Sentences), "Text");

    [Fact]
    public void SeparateLayersKeepTheEstimatorContract() =>
        EstimatorContract.Check(
            ml => ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", Golden.For("tiny-bert-no-token-types").Folder,
                new EmbeddingOptions { Layers = LayerSelection.All, Pooling = Pooling.Max, Combine = LayerCombination.Separate, Normalize = true }),
            Texts(new MLContext(), Golden.For("tiny-bert-no-token-types").Sentences), "Text");

    [Fact]
    public void WindowsKeepTheEstimatorContract() =>
        EstimatorContract.Check(
            ml => ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", Golden.For("tiny-bert-opset17").Folder,
                new EmbeddingOptions { Pooling = Pooling.Cls, MaxLength = 8, LongText = LongTextHandling.Window, Stride = 2 }),
            Texts(new MLContext(), Golden.For("tiny-bert-opset17").Sentences), "Text");

    [Fact]
    public void TokenizeForBertKeepsTheEstimatorContract() =>
        EstimatorContract.Check(
            ml => ml.Transforms.Text.TokenizeForBert("Text", Golden.For("tiny-bert").Folder, maxLength: 10),
            Texts(new MLContext(), Golden.For("tiny-bert").Sentences), "Text");

    [Fact]
    public void AMissingColumnIsRefusedWithTheColumnsThatArePresent()
    {
        var ml = new MLContext();
        var data = Texts(ml, ["x"]);
        var estimator = ml.Transforms.Text.ApplyBertEmbedding("E", "Review", Golden.For("tiny-bert").Folder);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains("Input column 'Review' is not in the data; its columns are: 'Text'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Review'", Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(EstimatorContract.ShapeOf(data.Schema))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadOptionsAndPathsAreRefusedByName()
    {
        var ml = new MLContext();
        var data = Texts(ml, ["x"]);
        var folder = Golden.For("tiny-bert").Folder;
        Assert.Contains("Pooling.None gives one vector per token", Assert.Throws<ArgumentException>(
            () => ml.Transforms.Text.ApplyBertEmbedding("E", "Text", folder, new EmbeddingOptions { Pooling = Pooling.None })).Message, StringComparison.Ordinal);
        var layer = Assert.ThrowsAny<ArgumentException>(
            () => ml.Transforms.Text.ApplyBertEmbedding("E", "Text", folder, new EmbeddingOptions { Layers = LayerSelection.Parse("7") }).Fit(data));
        Assert.Contains("7", layer.Message, StringComparison.Ordinal);
        Assert.Contains("IntraOpThreads", Assert.Throws<ArgumentOutOfRangeException>(
            () => ml.Transforms.Text.ApplyBertEmbedding("E", "Text", folder, new EmbeddingOptions { Runtime = new RuntimeOptions { IntraOpThreads = -2 } })).Message, StringComparison.Ordinal);
        var missing = Path.Combine(Path.GetTempPath(), "no-such-bert-model");
        Assert.Contains(missing, Assert.ThrowsAny<IOException>(() => ml.Transforms.Text.ApplyBertEmbedding("E", "Text", missing).Fit(data)).Message, StringComparison.Ordinal);
        Assert.Contains("Stride is 6; expected 0 to 5", Assert.Throws<ArgumentOutOfRangeException>(
            () => ml.Transforms.Text.TokenizeForBert("Text", folder, maxLength: 8, longText: LongTextHandling.Window, stride: 6)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyAndHugeTextsAreEmbeddedAndReported()
    {
        var ml = new MLContext();
        var huge = string.Join(' ', Enumerable.Repeat("the quick brown fox", 5_000));
        var data = Texts(ml, ["", huge, "a"]);
        using var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", Golden.For("tiny-bert").Folder).Fit(data);
        var output = transformer.Transform(data);
        Assert.Equal([0, 20_000, 1], output.GetColumn<int>("E.TokenCount"));
        Assert.Equal([false, true, false], output.GetColumn<bool>("E.Truncated"));
        Assert.All(output.GetColumn<float[]>("E"), v => Assert.All(v, x => Assert.True(float.IsFinite(x))));
    }

    [Fact]
    public void RowsComeBackInTheirOrderAcrossReadAheadBlocks()
    {
        // More rows than one read-ahead block, of very different lengths, so the batches reorder them.
        var golden = Golden.For("tiny-bert");
        var texts = Enumerable.Range(0, BertEmbeddingDataView.BlockRows + 37).Select(i => golden.Sentences[i % golden.Sentences.Length]).ToArray();
        var ml = new MLContext();
        var data = Texts(ml, texts);
        using var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder).Fit(data);
        var output = transformer.Transform(data);
        var vectors = output.GetColumn<float[]>("E").ToArray();
        var passedThrough = output.GetColumn<string>("Text").ToArray();
        Assert.Equal(texts, passedThrough);
        for (var row = 0; row < texts.Length; row++)
        {
            var expected = golden.Pooled["mean"][golden.LayerCount][row % golden.Sentences.Length];
            Assert.All(expected.Zip(vectors[row]), p => Assert.Equal(p.First, p.Second, 1e-4f));
        }
    }
}
