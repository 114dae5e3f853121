using Bert.MLNet.Trainers.Trees;

namespace Bert.MLNet.Trainers.Tests;

public sealed class FeatureBinsTests
{
    [Fact]
    public void FewDistinctValuesGetABinEachWithBoundsHalfwayBetween()
    {
        float[] values = [3, 1, 2, 2, 1, 3, 10];
        Assert.Equal([1.5f, 2.5f, 6.5f], FeatureBins.ChooseBounds(values, 255));
    }

    [Fact]
    public void ManyDistinctValuesShareQuantileBinsOfAboutEqualSize()
    {
        var values = Enumerable.Range(0, 10_000).Select(i => (float)i).ToArray();
        var bounds = FeatureBins.ChooseBounds(values.ToArray(), 100);
        Assert.Equal(99, bounds.Length);
        var bins = FeatureBins.FromBounds([bounds]);
        var sizes = values.GroupBy(v => bins.Bin(0, v)).Select(g => g.Count()).ToArray();
        Assert.Equal(100, sizes.Length);
        Assert.All(sizes, size => Assert.InRange(size, 99, 101));
    }

    [Fact]
    public void AValueIsAtOrBelowABoundExactlyWhenItsBinIsAtOrBelowThatBin()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 5_000).Select(_ => (float)Math.Round(TestData.Normal(random), random.Next(1, 4))).ToArray();
        var bounds = FeatureBins.ChooseBounds(values.ToArray(), 255);
        var bins = FeatureBins.FromBounds([bounds]);
        foreach (var v in values.Concat([-100f, 100f, bounds[0], bounds[^1]]))
        {
            var bin = bins.Bin(0, v);
            for (var b = 1; b <= bounds.Length; b++)
            {
                Assert.Equal(v <= bounds[b - 1], bin <= b);
            }
        }
    }

    [Fact]
    public void MissingValuesHaveBinZeroAndNeverShapeTheBounds()
    {
        var matrix = new FeatureMatrix([float.NaN, 1, float.NaN, 2, -0f, 0f], 6, 1);
        var bins = FeatureBins.Fit(matrix, 255, 1000, 0);
        Assert.Equal([0.5f, 1.5f], bins.UpperBounds[0]);
        Assert.Equal([0, 2, 0, 3, 1, 1], bins.Apply(matrix));
    }

    [Fact]
    public void AConstantFeatureHasOneValueBin()
    {
        var bins = FeatureBins.Fit(new FeatureMatrix([5, 5, 5], 3, 1), 255, 1000, 0);
        Assert.Empty(bins.UpperBounds[0]);
        Assert.Equal(1, bins.Bin(0, 5));
        Assert.Equal(1, bins.Bin(0, 1e9f));
    }
}
