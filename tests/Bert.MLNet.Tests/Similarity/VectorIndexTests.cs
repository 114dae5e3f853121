using Bert.MLNet.Similarity;
using Microsoft.ML;

namespace Bert.MLNet.Tests.Similarity;

public sealed class VectorIndexTests
{
    [Fact]
    public void TopKIsTheExactRankingByCosineOrDotProduct()
    {
        var random = new Random(1);
        var vectors = RandomMatrix(random, 500, 37);
        var query = RandomMatrix(random, 1, 37)[0].ToArray();
        foreach (var metric in new[] { SimilarityMetric.Cosine, SimilarityMetric.DotProduct })
        {
            var index = new VectorIndex(37, metric);
            index.AddRange(vectors.Data);
            var hits = index.Search(query, 10);

            // Reference in double precision, written out plainly.
            var expected = Enumerable.Range(0, 500)
                .Select(i => (Index: i, Score: Score(vectors[i], query, metric)))
                .OrderByDescending(h => h.Score).ThenBy(h => h.Index).Take(10).ToArray();
            Assert.Equal(expected.Select(h => h.Index), hits.Select(h => h.Index));
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(expected[i].Score, hits[i].Score, 1e-4);
            }
        }
    }

    [Fact]
    public void TiesGoToTheLowerIndexAndKIsCappedAtTheCount()
    {
        var index = new VectorIndex(2, SimilarityMetric.DotProduct);
        index.Add([1, 0]);
        index.Add([0, 1]);
        index.Add([1, 0]);
        var hits = index.Search([1, 0], 10);
        Assert.Equal([0, 2, 1], hits.Select(h => h.Index));
        Assert.Equal([1f, 1f, 0f], hits.Select(h => h.Score));
    }

    [Fact]
    public void BatchedSearchEqualsOneQueryAtATime()
    {
        var random = new Random(2);
        var index = new VectorIndex(64);
        index.AddRange(RandomMatrix(random, 300, 64).Data);
        var queries = RandomMatrix(random, 45, 64);
        var batched = index.SearchBatch(queries.Data, 5);
        for (var q = 0; q < queries.Rows; q++)
        {
            // The same hits; scores may differ in the last bit, since the batched kernel sums in another order.
            var single = index.Search(queries[q], 5);
            Assert.Equal(single.Select(h => h.Index), batched[q].Select(h => h.Index));
            Assert.All(single.Zip(batched[q]), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-6f));
        }
    }

    [Fact]
    public void Int8StorageKeepsScoresWithinOnePercentAndFindsTheSameNeighbours()
    {
        var random = new Random(3);
        var vectors = RandomMatrix(random, 2_000, 128);
        var queries = RandomMatrix(random, 50, 128);
        var exact = new VectorIndex(128);
        var quantized = new VectorIndex(128, storage: VectorStorage.Int8);
        exact.AddRange(vectors.Data);
        quantized.AddRange(vectors.Data);

        var truth = exact.SearchBatch(queries.Data, 10);
        var approximate = quantized.SearchBatch(queries.Data, 10);
        var recall = RetrievalMetrics.RecallAtK(approximate, truth.Select(h => h.Select(x => x.Index).ToHashSet()).ToArray(), 10);
        Assert.True(recall >= 0.95, $"recall@10 of int8 against exact: {recall}");
        for (var q = 0; q < queries.Rows; q++)
        {
            foreach (var hit in approximate[q])
            {
                Assert.Equal(exact.Score(hit.Index, queries[q]), hit.Score, 0.01);
            }
        }
    }

    [Fact]
    public void RetrievalMetricsMatchHandComputation()
    {
        SearchHit[][] results =
        [
            [new(5, 0.9f), new(1, 0.8f), new(2, 0.7f)],
            [new(3, 0.9f), new(4, 0.8f), new(7, 0.1f)],
            [new(8, 0.9f), new(9, 0.8f), new(6, 0.7f)],
        ];
        int[][] relevant = [[1, 2], [3], [0]];

        // Recall@2: 1/2, 1, 0. MRR: 1/2, 1, 0.
        Assert.Equal((0.5 + 1 + 0) / 3, RetrievalMetrics.RecallAtK(results, relevant, 2), 12);
        Assert.Equal((1 + 1 + 0) / 3.0, RetrievalMetrics.RecallAtK(results, relevant, 3), 12);
        Assert.Equal((0.5 + 1 + 0) / 3, RetrievalMetrics.MeanReciprocalRank(results, relevant), 12);
        Assert.Contains("Query 0", Assert.Throws<ArgumentException>(() => RetrievalMetrics.MeanReciprocalRank(results, [[], [1], [2]])).Message);
    }

    [Fact]
    public void WrongSizesAndNonFiniteValuesAreRefused()
    {
        var index = new VectorIndex(3);
        Assert.Contains("3-dimensional", Assert.Throws<ArgumentException>(() => index.Add([1, 2])).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => index.Add([1, float.NaN, 2])).Message);
        Assert.Empty(index.Search([1, 2, 3], 4));
        index.Add([0, 0, 0]);
        Assert.Equal(0f, index.Search([1, 2, 3], 1)[0].Score);
    }

    private static double Score(ReadOnlySpan<float> v, ReadOnlySpan<float> q, SimilarityMetric metric)
    {
        double dot = 0, vv = 0, qq = 0;
        for (var i = 0; i < v.Length; i++)
        {
            dot += (double)v[i] * q[i];
            vv += (double)v[i] * v[i];
            qq += (double)q[i] * q[i];
        }

        return metric == SimilarityMetric.DotProduct ? dot : dot / Math.Sqrt(vv * qq);
    }

    [Fact]
    public void AnEmbeddingColumnBecomesAnIndexThatFindsEachTextItself()
    {
        var golden = Golden.For("tiny-bert");
        var texts = golden.Sentences.Where(t => t.Length > 0).ToArray();
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, texts);
        using var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder).Fit(data);
        var index = VectorIndex.FromColumn(transformer.Transform(data), "E");
        Assert.Equal(texts.Length, index.Count);
        Assert.Equal(transformer.Dimension, index.Dimension);
        var embedded = transformer.Model.Embed(texts);
        var hits = index.SearchBatch(embedded.Data.ToArray(), 1);
        Assert.Equal(Enumerable.Range(0, texts.Length), hits.Select(h => h[0].Index));
        Assert.All(hits, h => Assert.Equal(1f, h[0].Score, 1e-5f));
        Assert.Contains("'Text' has type String", Assert.Throws<ArgumentOutOfRangeException>(() => VectorIndex.FromColumn(data, "Text")).Message, StringComparison.Ordinal);
        Assert.Contains("'Nope' is not in the data", Assert.Throws<ArgumentOutOfRangeException>(() => VectorIndex.FromColumn(data, "Nope")).Message, StringComparison.Ordinal);
    }

    private static Matrix RandomMatrix(Random random, int rows, int columns) =>
        new(Enumerable.Range(0, rows * columns).Select(_ => (float)Normal(random)).ToArray(), rows, columns);

    // A standard normal draw (Box-Muller).
    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private sealed record Matrix(float[] Data, int Rows, int Columns)
    {
        public ReadOnlySpan<float> this[int row] => Data.AsSpan(row * Columns, Columns);
    }
}
