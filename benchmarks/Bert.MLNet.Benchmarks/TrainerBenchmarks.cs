using Bert.MLNet.Similarity;
using BenchmarkDotNet.Attributes;
using Bert.MLNet.Trainers;

namespace Bert.MLNet.Benchmarks;

/// <summary>
/// Trainers in process, on seeded synthetic data shaped like embedding features: 40,000 rows x 40 features,
/// two overlapping Gaussian classes, and 20,000 stored 128-dimensional vectors searched by 1,000 queries.
/// Whole-process comparisons against xgboost are in benchmarks/peers/trees-xgboost.py.
/// </summary>
[MemoryDiagnoser]
public class TrainerBenchmarks
{
    private LabeledData data = null!;
    private float[] queries = null!;
    private VectorIndex exact = null!;
    private VectorIndex quantized = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(0);
        const int Rows = 40_000, Columns = 40;
        var values = new float[Rows * Columns];
        var labels = new int[Rows];
        for (var r = 0; r < Rows; r++)
        {
            labels[r] = r % 2;
            for (var f = 0; f < Columns; f++)
            {
                values[(r * Columns) + f] = (float)(Normal(random) + (labels[r] * (f % 4 == 0 ? 0.4 : 0)));
            }
        }

        data = LabeledData.ForClassification(new FeatureMatrix(values, Rows, Columns), labels);
        var stored = Enumerable.Range(0, 20_000 * 128).Select(_ => (float)Normal(random)).ToArray();
        queries = [.. Enumerable.Range(0, 1_000 * 128).Select(_ => (float)Normal(random))];
        exact = new VectorIndex(128);
        exact.AddRange(stored);
        quantized = new VectorIndex(128, storage: VectorStorage.Int8);
        quantized.AddRange(stored);
    }

    /// <summary>FastTree defaults: 100 trees of 20 leaves, learning rate 0.2, every core.</summary>
    [Benchmark]
    public int BoostedTrees() => new BoostedTreeTrainer().Fit(data).TreeCount;

    /// <summary>L-BFGS logistic regression, L1 = L2 = 1, standardized features.</summary>
    [Benchmark]
    public int LogisticRegression() => new LogisticRegressionTrainer().Fit(data).Iterations;

    /// <summary>Top-10 cosine search, 1,000 queries over 20,000 float vectors.</summary>
    [Benchmark]
    public int SearchFloat32() => exact.SearchBatch(queries, 10).Length;

    /// <summary>The same search over int8-quantized vectors.</summary>
    [Benchmark]
    public int SearchInt8() => quantized.SearchBatch(queries, 10).Length;

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
