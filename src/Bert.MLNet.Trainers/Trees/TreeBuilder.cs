namespace Bert.MLNet.Trainers.Trees;

/// <summary>
/// A tree as it grows: internal nodes in creation order, children as node indices or, for leaves, the
/// complement (~leaf) of the leaf index. Splitting leaf i keeps index i for the left child and appends the right.
/// </summary>
internal sealed class TreeBuilder
{
    private readonly List<(int Node, bool Left)> leafParents = [];

    public List<int> Features { get; } = [];

    public List<float> Thresholds { get; } = [];

    public List<byte> BinThresholds { get; } = [];

    public List<bool> DefaultLeft { get; } = [];

    public List<int> LeftChildren { get; } = [];

    public List<int> RightChildren { get; } = [];

    public List<double> Gains { get; } = [];

    public List<double> LeafValues { get; } = [];

    /// <summary>Each leaf's rows: a range of the row array the tree was grown on.</summary>
    public List<(int Start, int Count)> LeafRows { get; } = [];

    public void AddLeaf()
    {
        leafParents.Add((-1, false));
        LeafValues.Add(0);
    }

    public void Split(int leaf, int feature, float[] upperBounds, byte bin, bool defaultLeft, double gain)
    {
        var node = Features.Count;
        Features.Add(feature);
        Thresholds.Add(bin == 0 ? float.NegativeInfinity : bin > upperBounds.Length ? float.PositiveInfinity : upperBounds[bin - 1]);
        BinThresholds.Add(bin);
        DefaultLeft.Add(defaultLeft);
        Gains.Add(gain);
        var newLeaf = LeafValues.Count;
        LeftChildren.Add(~leaf);
        RightChildren.Add(~newLeaf);
        var (parent, isLeft) = leafParents[leaf];
        if (parent >= 0)
        {
            (isLeft ? LeftChildren : RightChildren)[parent] = node;
        }

        leafParents[leaf] = (node, true);
        leafParents.Add((node, false));
        LeafValues.Add(0);
    }
}

/// <summary>
/// One finished tree in arrays: node i splits on feature <c>Features[i]</c>, sending a value to the left when
/// it is at or below <c>Thresholds[i]</c> (NaN follows <c>DefaultLeft[i]</c>); a negative child ~j is leaf j.
/// </summary>
internal sealed class FlatTree
{
    public required int[] Features { get; init; }

    public required float[] Thresholds { get; init; }

    public required byte[] BinThresholds { get; init; }

    public required bool[] DefaultLeft { get; init; }

    public required int[] Left { get; init; }

    public required int[] Right { get; init; }

    public required double[] Gains { get; init; }

    public required double[] LeafValues { get; init; }

    public static FlatTree From(TreeBuilder tree) => new()
    {
        Features = [.. tree.Features],
        Thresholds = [.. tree.Thresholds],
        BinThresholds = [.. tree.BinThresholds],
        DefaultLeft = [.. tree.DefaultLeft],
        Left = [.. tree.LeftChildren],
        Right = [.. tree.RightChildren],
        Gains = [.. tree.Gains],
        LeafValues = [.. tree.LeafValues],
    };

    /// <summary>The leaf value for raw features.</summary>
    public double Evaluate(ReadOnlySpan<float> features) => LeafValues[LeafOf(features)];

    /// <summary>The leaf raw features fall in.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int LeafOf(ReadOnlySpan<float> features)
    {
        if (Features.Length == 0)
        {
            return 0;
        }

        var node = 0;
        do
        {
            var value = features[Features[node]];
            var left = float.IsNaN(value) ? DefaultLeft[node] : value <= Thresholds[node];
            node = left ? Left[node] : Right[node];
        }
        while (node >= 0);
        return ~node;
    }

    /// <summary>The leaf value for training row <paramref name="row"/> of column-major bins.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(byte[] bins, int rows, int row)
    {
        if (Features.Length == 0)
        {
            return LeafValues[0];
        }

        var node = 0;
        do
        {
            var bin = bins[(Features[node] * rows) + row];
            var left = bin == FeatureBins.MissingBin ? DefaultLeft[node] : bin <= BinThresholds[node];
            node = left ? Left[node] : Right[node];
        }
        while (node >= 0);
        return LeafValues[~node];
    }
}
