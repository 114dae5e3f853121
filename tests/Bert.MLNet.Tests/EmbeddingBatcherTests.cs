namespace Bert.MLNet.Tests;

/// <summary>
/// The batcher gives each concurrent caller what <see cref="BertModel.Embed"/> gives it alone, while their texts share
/// model runs; a caller that cancels while waiting never runs; calls beyond its limits are refused at once; disposing
/// finishes what it took.
/// </summary>
public sealed class EmbeddingBatcherTests
{
    private static readonly string[] Sentences = File.ReadAllLines(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "datasets", "sample-sentences.txt"));

    [Fact]
    public async Task ConcurrentCallersGetTheirOwnResultsFromSharedRuns()
    {
        using var model = BertModel.Load("bert-l4-h128-uncased");
        var runs = new List<EmbeddingBatchRun>();
        await using var batcher = new EmbeddingBatcher(model, new EmbeddingBatcherOptions { BatchRan = run => { lock (runs) { runs.Add(run); } } });

        // A long first call keeps the worker busy, so the calls after it wait and share the next run.
        var first = batcher.EmbedAsync(Repeat(400));
        var calls = Enumerable.Range(0, 12).Select(i => Sentences.Skip(i * 3).Take(1 + i).ToArray()).ToArray();
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Pooling = Pooling.Max, LongText = LongTextHandling.Window, MaxLength = 16, Stride = 4 };
        var tasks = calls.Select((texts, i) => batcher.EmbedAsync(texts, i % 2 == 0 ? null : options)).ToArray();
        var results = await Task.WhenAll(tasks);
        await first;
        for (var i = 0; i < calls.Length; i++)
        {
            var expected = model.Embed(calls[i], i % 2 == 0 ? null : options);
            Assert.Equal(expected.Shape, results[i].Shape);
            Assert.Equal(expected.TokenCounts, results[i].TokenCounts);
            Assert.Equal(expected.WindowCounts, results[i].WindowCounts);
            for (var row = 0; row < calls[i].Length; row++)
            {
                var want = expected[row].ToArray();
                var got = results[i][row].ToArray();
                Assert.All(want.Zip(got), pair => Assert.Equal(pair.First, pair.Second, 1e-5f));
            }
        }

        // The twelve calls ran in fewer than twelve runs; calls of different options never shared one.
        lock (runs)
        {
            Assert.Equal(13, runs.Sum(r => r.Requests));
            Assert.True(runs.Count < 13, $"{runs.Count} runs for 13 calls");
            Assert.Contains(runs, r => r.Requests > 1);
            Assert.Equal(400 + calls.Sum(c => c.Length), runs.Sum(r => r.Texts));
        }
    }

    [Fact]
    public async Task ACallCancelledWhileWaitingNeverRunsAndCallsBeyondTheLimitsAreRefused()
    {
        using var model = BertModel.Load("bert-l4-h128-uncased");
        var batcher = new EmbeddingBatcher(model, new EmbeddingBatcherOptions { MaxConcurrentRequests = 2, MaxBatchTokens = 20_000 });
        var busy = batcher.EmbedAsync(Repeat(600));
        using var cancel = new CancellationTokenSource();
        // Another pooling cannot share the busy call's run, so this call waits for the next one.
        var waiting = batcher.EmbedAsync(["this one waits", "and is cancelled"], new EmbeddingOptions { Pooling = Pooling.Cls }, cancel.Token);

        // Refusals are immediate, thrown by the call itself, not by its task.
        var full = Assert.Throws<EmbeddingRejectedException>(() => { _ = batcher.EmbedAsync(["one too many"]); });
        Assert.Equal(EmbeddingRejection.QueueFull, full.Reason);
        Assert.Contains("2 requests", full.Message, StringComparison.Ordinal);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, batcher.Dropped);
        Assert.Equal(600, (await busy).Count);
        Assert.Equal(600, model.EncodingsRun); // The cancelled call's two texts never ran.
        Assert.Equal(0, batcher.Admitted);

        var large = Assert.Throws<EmbeddingRejectedException>(() => { _ = batcher.EmbedAsync([.. Enumerable.Repeat(string.Join(' ', Enumerable.Repeat("word", 100)), 200)]); });
        Assert.Equal(EmbeddingRejection.TooManyTokens, large.Reason);
        Assert.Contains("20400 tokens, more than the 20000", large.Message, StringComparison.Ordinal);

        // Disposing finishes a call taken, then refuses more.
        var last = batcher.EmbedAsync(["finished on dispose"]);
        await batcher.DisposeAsync();
        Assert.Equal(1, (await last).Count);
        Assert.Equal(EmbeddingRejection.ShuttingDown, Assert.Throws<EmbeddingRejectedException>(() => { _ = batcher.EmbedAsync(["after"]); }).Reason);
    }

    private static string[] Repeat(int count) => [.. Enumerable.Range(0, count).Select(i => Sentences[i % Sentences.Length] + " " + i)];
}
