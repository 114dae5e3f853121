using System.Numerics;
using System.Numerics.Tensors;

namespace Bert.MLNet.Trainers;

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
    /// the memory, scores within about 1% of exact. Queries stay in floats.
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
/// Results are ordered by score, ties by the lower index, so they are deterministic.
/// </summary>
public sealed class VectorIndex
{
    private const int QueryBlock = 16;

    private readonly List<float> floats = [];
    private readonly List<sbyte> bytes = [];
    private readonly List<float> scales = [];
    private float[] floatData = [];
    private sbyte[] byteData = [];
    private float[] scaleData = [];
    private bool dirty;

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
        if (Storage == VectorStorage.Float32)
        {
            floats.AddRange(prepared);
        }
        else
        {
            var largest = TensorPrimitives.MaxMagnitude(prepared);
            var scale = largest == 0 ? 1 : Math.Abs(largest) / 127f;
            foreach (var value in prepared)
            {
                bytes.Add((sbyte)Math.Clamp(MathF.Round(value / scale), -127, 127));
            }

            scales.Add(scale);
        }

        dirty = true;
        return Count++;
    }

    /// <summary>Adds every row of <paramref name="vectors"/>.</summary>
    /// <param name="vectors">One vector per row.</param>
    public void AddRange(FeatureMatrix vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        CheckWidth(vectors.Columns, "vectors");
        for (var r = 0; r < vectors.Rows; r++)
        {
            Add(vectors[r]);
        }
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

    /// <summary>Top-k for every row of <paramref name="queries"/>, in parallel.</summary>
    /// <param name="queries">One query per row.</param>
    /// <param name="k">How many results per query.</param>
    public SearchHit[][] Search(FeatureMatrix queries, int k)
    {
        ArgumentNullException.ThrowIfNull(queries);
        CheckWidth(queries.Columns, "queries");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var results = new SearchHit[queries.Rows][];
        Parallel.For(0, (queries.Rows + QueryBlock - 1) / QueryBlock, block =>
        {
            var first = block * QueryBlock;
            var count = Math.Min(QueryBlock, queries.Rows - first);
            var prepared = new float[count * Dimension];
            for (var q = 0; q < count; q++)
            {
                CheckVector(queries[first + q], "query", first + q);
                Prepare(queries[first + q], prepared.AsSpan(q * Dimension, Dimension));
            }

            var hits = SearchBlock(prepared, count, k);
            Array.Copy(hits, 0, results, first, count);
        });
        return results;
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
        Freeze();
        return ScoreOne(index, prepared);
    }

    private SearchHit[][] SearchBlock(float[] queries, int count, int k)
    {
        Freeze();
        k = Math.Min(k, Count);
        var heaps = Enumerable.Range(0, count).Select(_ => new PriorityQueue<int, (float Score, int Index)>(k + 1, WorseFirst.Instance)).ToArray();
        for (var v = 0; v < Count; v++)
        {
            for (var q = 0; q < count; q++)
            {
                var score = ScoreOne(v, queries.AsSpan(q * Dimension, Dimension));
                var heap = heaps[q];
                if (heap.Count < k)
                {
                    heap.Enqueue(v, (score, v));
                }
                else if (heap.TryPeek(out _, out var worst) && score > worst.Score)
                {
                    heap.DequeueEnqueue(v, (score, v));
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

    private float ScoreOne(int index, ReadOnlySpan<float> query) => Storage == VectorStorage.Float32
        ? TensorPrimitives.Dot(floatData.AsSpan(index * Dimension, Dimension), query)
        : scaleData[index] * DotInt8(byteData.AsSpan(index * Dimension, Dimension), query);

    private static float DotInt8(ReadOnlySpan<sbyte> stored, ReadOnlySpan<float> query)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        var width = Vector<sbyte>.Count;
        for (; i + width <= stored.Length; i += width)
        {
            Vector.Widen(new Vector<sbyte>(stored[i..]), out var low, out var high);
            Vector.Widen(low, out var a, out var b);
            Vector.Widen(high, out var c, out var d);
            var step = Vector<float>.Count;
            sum += Vector.ConvertToSingle(a) * new Vector<float>(query[i..]);
            sum += Vector.ConvertToSingle(b) * new Vector<float>(query[(i + step)..]);
            sum += Vector.ConvertToSingle(c) * new Vector<float>(query[(i + (2 * step))..]);
            sum += Vector.ConvertToSingle(d) * new Vector<float>(query[(i + (3 * step))..]);
        }

        var total = Vector.Sum(sum);
        for (; i < stored.Length; i++)
        {
            total += stored[i] * query[i];
        }

        return total;
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

    // Searches read arrays; adds append to lists. Copy across once per batch of adds.
    private void Freeze()
    {
        lock (floats)
        {
            if (!dirty)
            {
                return;
            }

            floatData = [.. floats];
            byteData = [.. bytes];
            scaleData = [.. scales];
            dirty = false;
        }
    }

    private void CheckVector(ReadOnlySpan<float> vector, string what, int row)
    {
        CheckWidth(vector.Length, what);
        if (!TensorPrimitives.IsFiniteAll(vector))
        {
            throw new ArgumentException($"The {what} at row {row} has a NaN or infinite value; similarity needs finite numbers.", what);
        }
    }

    private void CheckWidth(int width, string what)
    {
        if (width != Dimension)
        {
            throw new ArgumentException($"The index holds {Dimension}-dimensional vectors; the {what} have {width} values.", what);
        }
    }

    private sealed class WorseFirst : IComparer<(float Score, int Index)>
    {
        public static readonly WorseFirst Instance = new();

        public int Compare((float Score, int Index) x, (float Score, int Index) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Index.CompareTo(x.Index);
    }
}
