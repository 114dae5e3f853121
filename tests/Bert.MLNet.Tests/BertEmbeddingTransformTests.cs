using Bert.MLNet.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

/// <summary>ApplyBertEmbedding and TokenizeForBert in ML.NET pipelines: the estimator contract, PyTorch parity, save and load.</summary>
public sealed class BertEmbeddingTransformTests
{
    private const float Tolerance = 1e-4f;

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
}
