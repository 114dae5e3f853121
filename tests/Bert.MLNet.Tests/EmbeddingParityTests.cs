namespace Bert.MLNet.Tests;

/// <summary>
/// Every layer and every pooling against PyTorch (golden files of tools/testmodels/make_test_models.py),
/// within 1e-4, for batch sizes 1 and 16: padding must not change any result.
/// </summary>
public sealed class EmbeddingParityTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string, int> Models() => new()
    {
        { "tiny-bert", 1 }, { "tiny-bert", 16 },
        { "tiny-bert-opset17", 1 }, { "tiny-bert-opset17", 16 },
        { "tiny-bert-no-token-types", 16 },
        { "tiny-bert-odd-special-ids", 1 }, { "tiny-bert-odd-special-ids", 16 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void TokenizerGivesTheGoldenIds(string name, int batchSize)
    {
        _ = batchSize;
        var golden = Golden.For(name);
        using var model = BertModel.Load(golden.Folder);
        for (var row = 0; row < golden.Sentences.Length; row++)
        {
            Assert.Equal(golden.InputIds[row], model.Tokenizer.Encode(golden.Sentences[row]).Ids);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryLayerAndPoolingMatchesPyTorch(string name, int batchSize)
    {
        var golden = Golden.For(name);
        using var model = BertModel.Load(golden.Folder);
        Assert.Equal(golden.LayerCount, model.LayerCount);
        foreach (var (pooling, key) in new[] { (Pooling.Cls, "cls"), (Pooling.Mean, "mean"), (Pooling.Max, "max"), (Pooling.MeanSqrtLen, "mean-sqrt-len") })
        {
            var result = model.Embed(golden.Sentences, new EmbeddingOptions
            {
                Layers = LayerSelection.All, Pooling = pooling, Combine = LayerCombination.Separate, BatchSize = batchSize,
            });
            Assert.Equal([golden.LayerCount + 1, model.HiddenSize], result.Shape);
            for (var row = 0; row < golden.Sentences.Length; row++)
            {
                for (var layer = 0; layer <= golden.LayerCount; layer++)
                {
                    AssertClose(golden.Pooled[key][layer][row], result[row].Slice(layer * model.HiddenSize, model.HiddenSize), $"{name} {key} layer {layer} row {row}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PerTokenVectorsAreTheHiddenStates(string name, int batchSize)
    {
        var golden = Golden.For(name);
        using var model = BertModel.Load(golden.Folder);
        for (var layer = 0; layer <= golden.LayerCount; layer++)
        {
            var result = model.Embed(golden.Sentences, new EmbeddingOptions { Layers = LayerSelection.Parse(layer.ToString()), Pooling = Pooling.None, BatchSize = batchSize });
            for (var row = 0; row < golden.Sentences.Length; row++)
            {
                Assert.Equal(golden.Mask[row], result.TokenVectorCount(row));
                AssertClose([.. golden.HiddenStates[layer][row].Take(golden.Mask[row]).SelectMany(t => t)], result[row], $"{name} layer {layer} row {row}");
            }
        }
    }

    [Fact]
    public void FirstLastAverageIsTheMeanOfLayerOneAndTheLastLayer()
    {
        var golden = Golden.For("tiny-bert");
        using var model = BertModel.Load(golden.Folder);
        var result = model.Embed(golden.Sentences, new EmbeddingOptions { Pooling = Pooling.FirstLastAverage });
        for (var row = 0; row < golden.Sentences.Length; row++)
        {
            var first = golden.Pooled["mean"][1][row];
            var last = golden.Pooled["mean"][golden.LayerCount][row];
            AssertClose([.. first.Zip(last, (a, b) => (a + b) / 2)], result[row], $"row {row}");
        }
    }

    [Fact]
    public void LayersCombineByConcatMeanAndWeights()
    {
        var golden = Golden.For("tiny-bert");
        using var model = BertModel.Load(golden.Folder);
        var mean = golden.Pooled["mean"];
        var h = model.HiddenSize;
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("-1, 0"), Pooling = Pooling.Mean };

        var concat = model.Embed(golden.Sentences, options with { Combine = LayerCombination.Concat });
        var averaged = model.Embed(golden.Sentences, options with { Combine = LayerCombination.Mean });
        var weighted = model.Embed(golden.Sentences, options with { Combine = LayerCombination.Weighted, LayerWeights = [0.25f, 2f] });
        var normalized = model.Embed(golden.Sentences, options with { Combine = LayerCombination.Concat, Normalize = true });
        Assert.Equal([2 * h], concat.Shape);
        for (var row = 0; row < golden.Sentences.Length; row++)
        {
            float[] last = mean[golden.LayerCount][row], first = mean[0][row];
            AssertClose([.. last, .. first], concat[row], "concat");
            AssertClose([.. last.Zip(first, (a, b) => (a + b) / 2)], averaged[row], "mean");
            AssertClose([.. last.Zip(first, (a, b) => 0.25f * a + 2 * b)], weighted[row], "weighted");
            var norm = MathF.Sqrt(concat[row].ToArray().Sum(v => v * v));
            AssertClose([.. concat[row].ToArray().Select(v => v / norm)], normalized[row], "normalized");
        }
    }

    [Fact]
    public void BatchingNeverChangesResultsAndKeepsInputOrder()
    {
        var golden = Golden.For("tiny-bert");
        using var model = BertModel.Load(golden.Folder);
        var options = new EmbeddingOptions { Layers = LayerSelection.All, Combine = LayerCombination.Concat };
        var texts = Enumerable.Range(0, 40).Select(i => golden.Sentences[i % golden.Sentences.Length]).ToArray();
        var one = model.Embed(texts, options with { BatchSize = 1 });
        var many = model.Embed(texts, options with { BatchSize = 7, TokenBudget = 90 });
        for (var row = 0; row < texts.Length; row++)
        {
            AssertClose(one[row].ToArray(), many[row], $"row {row}");
            AssertClose(one[row].ToArray(), model.Embed([texts[row]], options)[0], $"row {row} alone");
        }
    }

    internal static void AssertClose(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(MathF.Abs(expected[i] - actual[i]) <= Tolerance))
            {
                Assert.Fail($"{what}: value {i} is {actual[i]}, expected {expected[i]} (tolerance {Tolerance}).");
            }
        }
    }
}
