namespace Bert.MLNet.Tests;

/// <summary>Long texts, empty texts, invalid options, progress and cancellation.</summary>
public sealed class EmbeddingBehaviorTests
{
    // Every word is one token of the test vocabulary, so windows cut between words and decode back to themselves.
    private static readonly string LongText = string.Join(' ', Enumerable.Repeat("the quick brown fox jumps over the lazy dog and the teacher has a book", 12));

    [Fact]
    public void LongTextIsTruncatedAndReported()
    {
        using var model = BertModel.Load(Golden.For("tiny-bert").Folder);
        var result = model.Embed(["the dog", LongText], new EmbeddingOptions { MaxLength = 32 });
        Assert.Equal([false, true], result.Truncated);
        Assert.Equal([2, 180], result.TokenCounts);
        Assert.Equal([1, 1], result.WindowCounts);
        var first = model.Embed([string.Join(' ', LongText.Split(' ').Take(30))], new EmbeddingOptions { MaxLength = 32 });
        EmbeddingParityTests.AssertClose(first[0].ToArray(), result[1], "the truncated text is its first 30 tokens");
    }

    [Fact]
    public void LongTextInWindowsIsTheTokenWeightedMeanOfItsWindows()
    {
        using var model = BertModel.Load(Golden.For("tiny-bert").Folder);
        var options = new EmbeddingOptions { MaxLength = 32, LongText = LongTextHandling.Window, Stride = 8 };
        var result = model.Embed([LongText], options);
        var windows = model.Tokenizer.EncodeWindows(LongText, 32, 8);
        Assert.Equal(windows.Count, result.WindowCounts[0]);
        Assert.False(result.Truncated[0]);

        // Each window alone through the model, then the mean weighted by each window's token count.
        var expected = new float[model.HiddenSize];
        var total = 0;
        foreach (var window in windows)
        {
            var text = model.Tokenizer.Decode(window.Ids);
            var alone = model.Embed([text], options with { LongText = LongTextHandling.Truncate });
            Assert.Equal(window.Length - 2, alone.TokenCounts[0]);
            for (var i = 0; i < expected.Length; i++)
            {
                expected[i] += alone[0][i] * window.Length;
            }

            total += window.Length;
        }

        EmbeddingParityTests.AssertClose([.. expected.Select(v => v / total)], result[0], "windows");
    }

    [Fact]
    public void EmptyTextIsJustClsAndSep()
    {
        var golden = Golden.For("tiny-bert");
        using var model = BertModel.Load(golden.Folder);
        var row = Array.IndexOf(golden.Sentences, string.Empty);
        var result = model.Embed([string.Empty], new EmbeddingOptions { Pooling = Pooling.Mean });
        Assert.Equal(0, result.TokenCounts[0]);
        EmbeddingParityTests.AssertClose(golden.Pooled["mean"][golden.LayerCount][row], result[0], "empty");
    }

    [Theory]
    [InlineData("4", "valid indices are 0..3")]
    [InlineData("-5", "-4..-1")]
    [InlineData("0..9", "has 3 encoder layers")]
    public void InvalidLayersListTheValidRange(string layers, string expected)
    {
        using var model = BertModel.Load(Golden.For("tiny-bert").Folder);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Embed(["a"], new EmbeddingOptions { Layers = LayerSelection.Parse(layers) }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidOptionsNameTheOption()
    {
        using var model = BertModel.Load(Golden.For("tiny-bert").Folder);
        Assert.Contains("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.Embed(["a"], new EmbeddingOptions { BatchSize = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("one weight per selected layer: 2 layers", Assert.Throws<ArgumentException>(
            () => model.Embed(["a"], new EmbeddingOptions { Layers = LayerSelection.Parse("0,1"), Combine = LayerCombination.Weighted, LayerWeights = [1f] })).Message, StringComparison.Ordinal);
        Assert.Contains("position embeddings cover 64", Assert.Throws<ArgumentOutOfRangeException>(() => model.Embed(["a"], new EmbeddingOptions { MaxLength = 100 })).Message, StringComparison.Ordinal);
        Assert.Contains("row 1", Assert.Throws<ArgumentException>(() => model.Embed(["a", null!])).Message, StringComparison.Ordinal);
        Assert.Contains("Stride is 128; expected 0 to 29", Assert.Throws<ArgumentOutOfRangeException>(
            () => model.Embed(["a"], new EmbeddingOptions { MaxLength = 32, LongText = LongTextHandling.Window })).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => LayerSelection.Parse("last four"));
    }

    [Fact]
    public void LayerSelectionsResolveLikeHuggingFaceIndices()
    {
        Assert.Equal([0, 1, 2, 3, 4], LayerSelection.All.Resolve(4));
        Assert.Equal([4], LayerSelection.Last.Resolve(4));
        Assert.Equal([1, 2, 3, 4], LayerSelection.Parse("-4..-1").Resolve(4));
        Assert.Equal([0, 2, 4], LayerSelection.Parse("0, 2,4").Resolve(4));
        Assert.Equal([4, 3], LayerSelection.Parse("-1..-2").Resolve(4));
        Assert.Equal([0, 3, 4], LayerSelection.Parse("0,-2..-1").Resolve(4));
    }

    [Fact]
    public void ProgressIsReportedAndCancellationStopsTheJob()
    {
        using var model = BertModel.Load(Golden.For("tiny-bert").Folder);
        var texts = Enumerable.Repeat("the quick brown fox", 20).ToArray();
        var reports = new List<EmbeddingProgress>();
        model.Embed(texts, new EmbeddingOptions { BatchSize = 4 }, new SynchronousProgress(reports.Add));
        Assert.Equal(5, reports.Count);
        Assert.Equal(new EmbeddingProgress(20, 20, 20 * 6), reports[^1]);

        using var cancellation = new CancellationTokenSource();
        var seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => model.Embed(texts, new EmbeddingOptions { BatchSize = 4 },
            new SynchronousProgress(_ =>
            {
                if (++seen == 2)
                {
                    cancellation.Cancel();
                }
            }), cancellation.Token));
        Assert.Equal(2, seen);
    }

    [Fact]
    public async Task ConcurrentCallsGiveTheSameResults()
    {
        using var model = BertModel.Load(Golden.For("tiny-bert").Folder);
        var texts = Golden.For("tiny-bert").Sentences;
        var expected = model.Embed(texts).Data.ToArray();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => model.Embed(texts).Data.ToArray())));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    private sealed class SynchronousProgress(Action<EmbeddingProgress> report) : IProgress<EmbeddingProgress>
    {
        public void Report(EmbeddingProgress value) => report(value);
    }

    [Fact]
    public void EveryLayerPooledSeveralWaysComesFromOneRunPerTextAndEqualsEachPoolingAlone()
    {
        var golden = Golden.For("tiny-bert");
        using var model = BertModel.Load(golden.Folder);
        var options = new EmbeddingOptions { MaxLength = 9, LongText = LongTextHandling.Window, Stride = 2 };
        Pooling[] poolings = [Pooling.Mean, Pooling.Cls, Pooling.Max, Pooling.MeanSqrtLen];
        var before = model.EncodingsRun;
        var together = model.EmbedEveryLayer(golden.Sentences, options, poolings);
        var windows = together[0].WindowCounts.Sum();
        Assert.Equal(windows, model.EncodingsRun - before);
        for (var p = 0; p < poolings.Length; p++)
        {
            var alone = model.Embed(golden.Sentences, options with { Layers = LayerSelection.All, Combine = LayerCombination.Separate, Pooling = poolings[p] });
            Assert.Equal(alone.Shape, together[p].Shape);
            Assert.Equal(alone.Data.ToArray(), together[p].Data.ToArray());
        }
    }
}
