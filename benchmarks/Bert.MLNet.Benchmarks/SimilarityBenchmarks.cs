using Bert.MLNet.Similarity;
using BenchmarkDotNet.Attributes;

namespace Bert.MLNet.Benchmarks;

/// <summary>The exact similarity index: 20,000 seeded random 128-dimensional vectors searched by 1,000 queries.</summary>
[MemoryDiagnoser]
public class SimilarityBenchmarks
{
    private float[] queries = null!;
    private VectorIndex exact = null!;
    private VectorIndex quantized = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(0);
        var stored = Enumerable.Range(0, 20_000 * 128).Select(_ => (float)Normal(random)).ToArray();
        queries = [.. Enumerable.Range(0, 1_000 * 128).Select(_ => (float)Normal(random))];
        exact = new VectorIndex(128);
        exact.AddRange(stored);
        quantized = new VectorIndex(128, storage: VectorStorage.Int8);
        quantized.AddRange(stored);
    }

    /// <summary>Top-10 cosine search, 1,000 queries over 20,000 float vectors.</summary>
    [Benchmark]
    public int SearchFloat32() => exact.SearchBatch(queries, 10).Length;

    /// <summary>The same search over int8-quantized vectors.</summary>
    [Benchmark]
    public int SearchInt8() => quantized.SearchBatch(queries, 10).Length;

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
