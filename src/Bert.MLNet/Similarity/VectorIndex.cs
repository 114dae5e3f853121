using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Similarity;

/// <summary>How a <see cref="VectorIndex"/> scores a stored vector against a query.</summary>
public enum SimilarityMetric
{
    /// <summary>Cosine similarity: vectors and queries are scaled to unit length (a zero vector scores 0 against everything).</summary>
    Cosine,

    /// <summary>The plain dot product.</summary>
    DotProduct,
}

/// <summary>How a <see cref="VectorIndex"/> stores its vectors.</summary>
public enum VectorStorage
{
    /// <summary>Exact 32-bit floats.</summary>
    Float32,

    /// <summary>
    /// One signed byte per value and one float scale per vector (largest magnitude maps to 127): a quarter of
    /// the memory, scores within about 1% of exact, integer arithmetic. Queries are scaled to 16-bit integers.
    /// </summary>
    Int8,
}

/// <summary>One search result: the stored vector's index (in the order added) and its score.</summary>
/// <param name="Index">Index of the stored vector.</param>
/// <param name="Score">Its similarity to the query.</param>
public readonly record struct SearchHit(int Index, float Score);

/// <summary>
/// Exact (brute-force) top-k search over embedding vectors by cosine or dot product, SIMD throughout; batched
/// queries run in parallel, each stored vector scored against a block of queries while it is in cache.
/// Results are ordered by score, ties by the lower index, so they are deterministic. Searches may run on many
/// threads at once; adding vectors must not overlap with anything else.
/// </summary>
public sealed class VectorIndex
{
    private const int QueryBlock = 16;

    // Vector i at i * Dimension; the arrays grow by doubling, so adding is amortized O(Dimension).
    private float[] floatData = [];
    private sbyte[] byteData = [];
    private float[] scaleData = [];

    /// <summary>An empty index.</summary>
    /// <param name="dimension">Length of every vector.</param>
    /// <param name="metric">Cosine or dot product.</param>
    /// <param name="storage">Exact floats or int8.</param>
    public VectorIndex(int dimension, SimilarityMetric metric = SimilarityMetric.Cosine, VectorStorage storage = VectorStorage.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        Metric = metric;
        Storage = storage;
    }

    /// <summary>Length of every vector.</summary>
    public int Dimension { get; }

    /// <summary>How vectors are scored.</summary>
    public SimilarityMetric Metric { get; }

    /// <summary>How vectors are stored.</summary>
    public VectorStorage Storage { get; }

    /// <summary>Vectors stored.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a vector; returns its index.</summary>
    /// <param name="vector">Exactly <see cref="Dimension"/> finite values.</param>
    public int Add(ReadOnlySpan<float> vector)
    {
        CheckVector(vector, "vector", Count);
        Span<float> prepared = Dimension <= 4096 ? stackalloc float[Dimension] : new float[Dimension];
        Prepare(vector, prepared);
        Reserve(Count + 1);
        if (Storage == VectorStorage.Float32)
        {
            prepared.CopyTo(floatData.AsSpan(Count * Dimension, Dimension));
        }
        else
        {
            var largest = TensorPrimitives.MaxMagnitude(prepared);
            var scale = largest == 0 ? 1 : Math.Abs(largest) / 127f;
            var stored = byteData.AsSpan(Count * Dimension, Dimension);
            for (var i = 0; i < Dimension; i++)
            {
                stored[i] = (sbyte)Math.Clamp(MathF.Round(prepared[i] / scale), -127, 127);
            }

            scaleData[Count] = scale;
        }

        return Count++;
    }

    /// <summary>Adds vectors laid end to end (row-major), in order.</summary>
    /// <param name="vectors">A whole number of vectors of <see cref="Dimension"/> values.</param>
    public void AddRange(ReadOnlySpan<float> vectors)
    {
        var rows = Rows(vectors.Length, "vectors");
        Reserve(Count + rows);
        for (var r = 0; r < rows; r++)
        {
            Add(vectors.Slice(r * Dimension, Dimension));
        }
    }

    /// <summary>Adds one vector per text of an embedding result, in order.</summary>
    /// <exception cref="ArgumentException">The result holds per-token vectors, or vectors of another length.</exception>
    public void AddRange(EmbeddingResult embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        AddRange(embeddings.Data);
    }

    /// <summary>
    /// An index of every row of a float vector column, such as <c>ApplyBertEmbedding</c>'s output; stored vector
    /// <c>i</c> is row <c>i</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, or is not a known-size vector of Single.</exception>
    public static VectorIndex FromColumn(IDataView data, string column, SimilarityMetric metric = SimilarityMetric.Cosine,
        VectorStorage storage = VectorStorage.Float32)
    {
        ArgumentNullException.ThrowIfNull(data);
        var size = Transforms.BertSchema.CheckVector(data.Schema, "Column", column, "an index needs");
        var found = data.Schema[column];
        var index = new VectorIndex(size, metric, storage);
        using var cursor = data.GetRowCursor([found]);
        var getter = cursor.GetGetter<VBuffer<float>>(found);
        var vector = default(VBuffer<float>);
        var dense = new float[size];
        while (cursor.MoveNext())
        {
            getter(ref vector);
            vector.CopyTo(dense);
            index.Add(dense);
        }

        return index;
    }

    /// <summary>The <paramref name="k"/> stored vectors most similar to <paramref name="query"/>, best first.</summary>
    /// <param name="query">Exactly <see cref="Dimension"/> finite values.</param>
    /// <param name="k">How many results (fewer when the index holds fewer).</param>
    public SearchHit[] Search(ReadOnlySpan<float> query, int k)
    {
        CheckVector(query, "query", 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var prepared = new float[Dimension];
        Prepare(query, prepared);
        return SearchBlock(prepared, 1, k)[0];
    }

    /// <summary>Top-k for many queries laid end to end (row-major), blocks of queries in parallel.</summary>
    /// <param name="queries">A whole number of queries of <see cref="Dimension"/> values.</param>
    /// <param name="k">How many results per query.</param>
    public SearchHit[][] SearchBatch(ReadOnlyMemory<float> queries, int k)
    {
        var rows = Rows(queries.Length, "queries");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var results = new SearchHit[rows][];
        Parallel.For(0, (rows + QueryBlock - 1) / QueryBlock, block =>
        {
            var first = block * QueryBlock;
            var count = Math.Min(rows, first + QueryBlock) - first;
            var prepared = new float[count * Dimension];
            for (var q = 0; q < count; q++)
            {
                var query = queries.Span.Slice((first + q) * Dimension, Dimension);
                CheckVector(query, "query", first + q);
                Prepare(query, prepared.AsSpan(q * Dimension, Dimension));
            }

            var hits = SearchBlock(prepared, count, k);
            Array.Copy(hits, 0, results, first, count);
        });
        return results;
    }

    /// <summary>
    /// The <paramref name="k"/> stored texts most similar to a text query, best first: the query is embedded with
    /// <see cref="BertModel.EmbedQueries"/>, so it gets the model's query prompt (snowflake-arctic-embed-xs's, for one)
    /// while the stored documents were embedded without.
    /// </summary>
    /// <param name="model">The model the stored vectors came from.</param>
    /// <param name="query">The query text.</param>
    /// <param name="k">How many results.</param>
    /// <param name="options">The options the stored vectors were embedded with; null for the model's conventions.</param>
    /// <exception cref="ArgumentException">The options give vectors of another dimension than the index holds.</exception>
    public SearchHit[] Search(BertModel model, string query, int k, EmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        return SearchBatch(model, [query], k, options)[0];
    }

    /// <summary>Top-k for many text queries, each embedded as <see cref="Search(BertModel, string, int, EmbeddingOptions?)"/> does, in one batched pass.</summary>
    /// <param name="model">The model the stored vectors came from.</param>
    /// <param name="queries">The query texts.</param>
    /// <param name="k">How many results per query.</param>
    /// <param name="options">The options the stored vectors were embedded with; null for the model's conventions.</param>
    /// <exception cref="ArgumentException">The options give vectors of another dimension than the index holds.</exception>
    public SearchHit[][] SearchBatch(BertModel model, IReadOnlyList<string> queries, int k, EmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var embedded = model.EmbedQueries(queries, options);
        if (embedded.Dimension != Dimension)
        {
            throw BertErrors.Invalid(nameof(options), $"The queries embed to {embedded.Dimension} values but the index holds {Dimension}-dimensional vectors; embed them with the options the index was built with.");
        }

        return SearchBatch(embedded.Data.ToArray(), k);
    }

    /// <summary>The score of stored vector <paramref name="index"/> against <paramref name="query"/>, as search computes it.</summary>
    /// <param name="index">A stored vector.</param>
    /// <param name="query">The query.</param>
    public float Score(int index, ReadOnlySpan<float> query)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        CheckVector(query, "query", 0);
        var prepared = new float[Dimension];
        Prepare(query, prepared);
        return ScoreOne(index, prepared);
    }

    private SearchHit[][] SearchBlock(float[] queries, int count, int k)
    {
        k = Math.Min(k, Count);
        var heaps = Enumerable.Range(0, count).Select(_ => new PriorityQueue<int, (float Score, int Index)>(k + 1, WorseFirst.Instance)).ToArray();
        var floors = new float[count];
        Array.Fill(floors, float.NegativeInfinity);
        var quantizedQueries = Storage == VectorStorage.Int8 ? QuantizeQueries(queries, count) : default;
        Span<float> scores = stackalloc float[count];
        for (var v = 0; v < Count; v++)
        {
            if (Storage == VectorStorage.Float32)
            {
                var stored = floatData.AsSpan(v * Dimension, Dimension);
                var q = 0;
                for (; q + 4 <= count; q += 4)
                {
                    DotFour(stored, queries.AsSpan(q * Dimension, 4 * Dimension), scores.Slice(q, 4));
                }

                for (; q < count; q++)
                {
                    scores[q] = TensorPrimitives.Dot(stored, queries.AsSpan(q * Dimension, Dimension));
                }
            }
            else
            {
                var stored = byteData.AsSpan(v * Dimension, Dimension);
                for (var q = 0; q < count; q++)
                {
                    scores[q] = scaleData[v] * quantizedQueries.Scales[q] * DotInt8(stored, quantizedQueries.Values.AsSpan(q * Dimension, Dimension));
                }
            }

            for (var q = 0; q < count; q++)
            {
                // A vector enters a full heap only by beating its worst; equal scores keep the earlier index.
                if (scores[q] <= floors[q] && heaps[q].Count == k)
                {
                    continue;
                }

                var heap = heaps[q];
                if (heap.Count < k)
                {
                    heap.Enqueue(v, (scores[q], v));
                }
                else
                {
                    heap.DequeueEnqueue(v, (scores[q], v));
                }

                if (heap.Count == k)
                {
                    heap.TryPeek(out _, out var worst);
                    floors[q] = worst.Score;
                }
            }
        }

        return heaps.Select(heap =>
        {
            var hits = new SearchHit[heap.Count];
            for (var i = hits.Length - 1; i >= 0; i--)
            {
                heap.TryDequeue(out var index, out var priority);
                hits[i] = new SearchHit(index, priority.Score);
            }

            return hits;
        }).ToArray();
    }

    private float ScoreOne(int index, ReadOnlySpan<float> query)
    {
        if (Storage == VectorStorage.Float32)
        {
            return TensorPrimitives.Dot(floatData.AsSpan(index * Dimension, Dimension), query);
        }

        var quantized = QuantizeQueries(query.ToArray(), 1);
        return scaleData[index] * quantized.Scales[0] * DotInt8(byteData.AsSpan(index * Dimension, Dimension), quantized.Values);
    }

    /// <summary>Dot products of one stored vector with four consecutive queries, the vector read once per chunk.</summary>
    private static void DotFour(ReadOnlySpan<float> stored, ReadOnlySpan<float> queries, Span<float> scores)
    {
        var n = stored.Length;
        var i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.Create(stored.Slice(i, 8));
                a0 += v * Vector256.Create(queries.Slice(i, 8));
                a1 += v * Vector256.Create(queries.Slice(n + i, 8));
                a2 += v * Vector256.Create(queries.Slice((2 * n) + i, 8));
                a3 += v * Vector256.Create(queries.Slice((3 * n) + i, 8));
            }

            (s0, s1, s2, s3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
        }

        for (; i < n; i++)
        {
            s0 += stored[i] * queries[i];
            s1 += stored[i] * queries[n + i];
            s2 += stored[i] * queries[(2 * n) + i];
            s3 += stored[i] * queries[(3 * n) + i];
        }

        (scores[0], scores[1], scores[2], scores[3]) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// Queries against int8 vectors become int16 with a scale per query (error about 1e-5 of the largest
    /// value, far below the int8 side's), so scoring is integer multiply-adds.
    /// </summary>
    private (short[] Values, float[] Scales) QuantizeQueries(float[] queries, int count)
    {
        var values = new short[count * Dimension];
        var scales = new float[count];
        for (var q = 0; q < count; q++)
        {
            var query = queries.AsSpan(q * Dimension, Dimension);
            var largest = Math.Abs(TensorPrimitives.MaxMagnitude(query));
            scales[q] = largest == 0 ? 1 : largest / short.MaxValue;
            for (var i = 0; i < Dimension; i++)
            {
                values[(q * Dimension) + i] = (short)Math.Clamp(MathF.Round(query[i] / scales[q]), -short.MaxValue, short.MaxValue);
            }
        }

        return (values, scales);
    }

    /// <summary>Exact integer dot product of int8 and int16 values (AVX2 multiply-add of 16 pairs at a time).</summary>
    private static float DotInt8(ReadOnlySpan<sbyte> stored, ReadOnlySpan<short> query)
    {
        long total = 0;
        var i = 0;
        if (Avx2.IsSupported)
        {
            // Each int32 lane gains at most 2 * 127 * 32767 per step; flushing every 64 steps cannot overflow.
            var sum = Vector256<int>.Zero;
            var steps = 0;
            for (; i + 16 <= stored.Length; i += 16)
            {
                var wide = Avx2.ConvertToVector256Int16(Vector128.Create<sbyte>(stored.Slice(i, 16)));
                sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(wide, Vector256.Create<short>(query.Slice(i, 16))));
                if (++steps == 64)
                {
                    total += Sum(sum);
                    sum = Vector256<int>.Zero;
                    steps = 0;
                }
            }

            total += Sum(sum);
        }

        for (; i < stored.Length; i++)
        {
            total += stored[i] * query[i];
        }

        return total;

        static long Sum(Vector256<int> lanes)
        {
            long s = 0;
            for (var lane = 0; lane < Vector256<int>.Count; lane++)
            {
                s += lanes[lane];
            }

            return s;
        }
    }

    private void Prepare(ReadOnlySpan<float> vector, Span<float> prepared)
    {
        vector.CopyTo(prepared);
        if (Metric == SimilarityMetric.Cosine)
        {
            var norm = TensorPrimitives.Norm(prepared);
            if (norm > 0)
            {
                TensorPrimitives.Divide(prepared, norm, prepared);
            }
        }
    }

    private void Reserve(int vectors)
    {
        var capacity = Storage == VectorStorage.Float32 ? floatData.Length / Dimension : scaleData.Length;
        if (vectors <= capacity)
        {
            return;
        }

        var grown = Math.Max(vectors, Math.Max(16, capacity * 2));
        if (Storage == VectorStorage.Float32)
        {
            Array.Resize(ref floatData, checked(grown * Dimension));
        }
        else
        {
            Array.Resize(ref byteData, checked(grown * Dimension));
            Array.Resize(ref scaleData, grown);
        }
    }

    private void CheckVector(ReadOnlySpan<float> vector, string what, int row)
    {
        CheckWidth(vector.Length, what);
        if (!TensorPrimitives.IsFiniteAll(vector))
        {
            throw BertErrors.Invalid(what, $"The {what} at row {row} has a NaN or infinite value; similarity needs finite numbers.");
        }
    }

    // The number of vectors in values laid end to end.
    private int Rows(int values, string what)
    {
        if (values % Dimension != 0)
        {
            throw BertErrors.Invalid(what, $"The index holds {Dimension}-dimensional vectors; the {what} have {values} values, not a whole number of vectors.");
        }

        return values / Dimension;
    }

    private void CheckWidth(int width, string what)
    {
        if (width != Dimension)
        {
            throw BertErrors.Invalid(what, $"The index holds {Dimension}-dimensional vectors; the {what} have {width} values.");
        }
    }

    private sealed class WorseFirst : IComparer<(float Score, int Index)>
    {
        public static readonly WorseFirst Instance = new();

        public int Compare((float Score, int Index) x, (float Score, int Index) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Index.CompareTo(x.Index);
    }
}
