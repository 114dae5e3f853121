using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

/// <summary>ComputePairFeatures: [u, v, |u − v|, u ∘ v, cos] by hand, the estimator contract, and the search's C# form equal to the saved ONNX form.</summary>
public sealed class PairFeaturesTests
{
    [Fact]
    public void FeaturesAreUVTheirAbsoluteDifferenceProductAndCosine()
    {
        var ml = new MLContext();
        var data = Pairs(ml, [([3, 0, 4], [0, 2, 0]), ([1, 2, 2], [2, 4, 4]), ([0, 0, 0], [1, 1, 1]), ([-1, 0.5f, 2], [1, -0.5f, -2])]);
        using var transformer = ml.Transforms.ComputePairFeatures("Pair", "U", "V").Fit(data);
        Assert.Equal(13, transformer.Dimension);
        var rows = transformer.Transform(data).GetColumn<float[]>("Pair").ToArray();
        Assert.Equal([3, 0, 4, 0, 2, 0, 3, 2, 4, 0, 0, 0, 0], rows[0]);
        Assert.Equal([1, 2, 2, 2, 4, 4, 1, 2, 2, 2, 8, 8, 1], rows[1], new ToleranceComparer(1e-6f));   // parallel: cosine 1
        Assert.Equal(0, rows[2][^1]);                                                                   // a zero vector: cosine 0, not NaN
        Assert.Equal(-1, rows[3][^1], 1e-6f);                                                           // opposite: cosine -1
        Assert.Equal([2, 1, 4], rows[3][6..9]);
        Assert.Equal([-1, -0.25f, -4], rows[3][9..12]);

        // The search computes the same features in C# for its folds.
        var us = data.GetColumn<float[]>("U").ToArray();
        var vs = data.GetColumn<float[]>("V").ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            var expected = new float[13];
            Onnx.PairGraph.Compute(us[i], vs[i], expected);
            Assert.Equal(expected, rows[i], new ToleranceComparer(1e-6f));
        }
    }

    [Fact]
    public void PairFeaturesMeetTheEstimatorContract()
    {
        var ml = new MLContext();
        var random = new Random(3);
        var data = Pairs(ml, [.. Enumerable.Range(0, 20).Select(_ => (Vector(random), Vector(random)))]);
        EstimatorContract.Check(m => m.Transforms.ComputePairFeatures("Pair", "U", "V"), data, "U");
    }

    [Fact]
    public void MissingColumnsAndUnequalLengthsAreRefusedByName()
    {
        var ml = new MLContext();
        var data = Pairs(ml, [([1, 2, 3], [4, 5, 6])]);
        Assert.Contains("Input column 'W' is not in the data; its columns are: 'U', 'V'",
            Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ComputePairFeatures("Pair", "U", "W").Fit(data)).Message, StringComparison.Ordinal);
        var definition = SchemaDefinition.Create(typeof(PairRow));
        definition[nameof(PairRow.U)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        definition[nameof(PairRow.V)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3);
        var uneven = ml.Data.LoadFromEnumerable([new PairRow { U = [1, 2], V = [1, 2, 3] }], definition);
        Assert.Contains("'U' (2 values) and 'V' (3 values) differ in length",
            Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ComputePairFeatures("Pair", "U", "V").Fit(uneven)).Message, StringComparison.Ordinal);
    }

    private static float[] Vector(Random random) => [.. Enumerable.Range(0, 8).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    private static IDataView Pairs(MLContext ml, (float[] U, float[] V)[] pairs)
    {
        var definition = SchemaDefinition.Create(typeof(PairRow));
        definition[nameof(PairRow.U)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, pairs[0].U.Length);
        definition[nameof(PairRow.V)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, pairs[0].V.Length);
        return ml.Data.LoadFromEnumerable(pairs.Select(p => new PairRow { U = p.U, V = p.V }), definition);
    }

    private sealed class PairRow
    {
        public float[] U { get; set; } = [];

        public float[] V { get; set; } = [];
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
