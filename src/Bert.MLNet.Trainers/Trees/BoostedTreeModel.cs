using Bert.MLNet.Trainers.Trees;

namespace Bert.MLNet.Trainers;

/// <summary>
/// An ensemble of regression trees from <see cref="BoostedTreeTrainer"/>. The raw score of a class is its base
/// score plus the leaf values of its trees; binary models turn it into a probability with the logistic function,
/// multiclass models with softmax over one score per class.
/// </summary>
public sealed class BoostedTreeModel : TrainedModel
{
    internal const string Name = "boosted-trees";

    private readonly double[] baseScores;
    private readonly FlatTree[] trees;

    internal BoostedTreeModel(PredictionKind kind, IReadOnlyList<string> featureNames, ClassLabels? classes, double[] baseScores, FlatTree[] trees)
        : base(kind, featureNames, classes)
    {
        this.baseScores = baseScores;
        this.trees = trees;
    }

    /// <summary>Number of trees (rounds times trees per round).</summary>
    public int TreeCount => trees.Length;

    /// <summary>Trees per boosting round: one per class for multiclass, else one.</summary>
    public int TreesPerRound => baseScores.Length;

    /// <summary>Boosting rounds kept (after early stopping, the best round).</summary>
    public int Rounds => trees.Length / baseScores.Length;

    /// <summary>Leaves of each tree.</summary>
    public IReadOnlyList<int> LeafCounts => trees.Select(t => t.LeafValues.Length).ToArray();

    private protected override string TrainerName => Name;

    internal IReadOnlyList<FlatTree> Trees => trees;

    /// <summary>
    /// Each feature's importance: the loss reduction of all splits on it, summed over the trees, scaled so the
    /// importances add up to 1 (all zero when no tree split).
    /// </summary>
    public double[] FeatureImportance()
    {
        var gains = new double[FeatureNames.Count];
        foreach (var tree in trees)
        {
            for (var n = 0; n < tree.Features.Length; n++)
            {
                gains[tree.Features[n]] += tree.Gains[n];
            }
        }

        var total = gains.Sum();
        if (total > 0)
        {
            for (var f = 0; f < gains.Length; f++)
            {
                gains[f] /= total;
            }
        }

        return gains;
    }

    /// <summary>The raw scores (before the logistic or softmax link) of one example, one per tree slot.</summary>
    /// <param name="features">The example's features.</param>
    /// <param name="scores">Receives <see cref="TreesPerRound"/> scores.</param>
    public void RawScores(ReadOnlySpan<float> features, Span<double> scores)
    {
        var slots = baseScores.Length;
        baseScores.CopyTo(scores);
        for (var t = 0; t < trees.Length; t++)
        {
            scores[t % slots] += trees[t].Evaluate(features);
        }
    }

    private protected override void PredictCore(ReadOnlySpan<float> features, Span<float> output)
    {
        Span<double> scores = stackalloc double[baseScores.Length];
        RawScores(features, scores);
        ScoreLink.Apply(Kind, scores, output);
    }

    private protected override void WriteParameters(BinaryWriter writer)
    {
        writer.Write(baseScores.Length);
        foreach (var score in baseScores)
        {
            writer.Write(score);
        }

        writer.Write(trees.Length);
        foreach (var tree in trees)
        {
            writer.Write(tree.Features.Length);
            for (var n = 0; n < tree.Features.Length; n++)
            {
                writer.Write(tree.Features[n]);
                writer.Write(tree.Thresholds[n]);
                writer.Write(tree.DefaultLeft[n]);
                writer.Write(tree.Left[n]);
                writer.Write(tree.Right[n]);
                writer.Write(tree.Gains[n]);
            }

            writer.Write(tree.LeafValues.Length);
            foreach (var value in tree.LeafValues)
            {
                writer.Write(value);
            }
        }
    }

    internal static BoostedTreeModel ReadParameters(BinaryReader reader, PredictionKind kind, string[] features, ClassLabels? classes)
    {
        var slots = reader.ReadInt32();
        var expectedSlots = kind == PredictionKind.MulticlassClassification ? classes?.Count : 1;
        if (slots != expectedSlots)
        {
            throw new FormatException($"{slots} scores per round do not fit a {kind} model with {classes?.Count ?? 0} classes");
        }

        var baseScores = new double[slots];
        for (var i = 0; i < slots; i++)
        {
            baseScores[i] = reader.ReadDouble();
        }

        var trees = new FlatTree[Count(reader.ReadInt32(), "trees")];
        if (trees.Length % slots != 0)
        {
            throw new FormatException($"{trees.Length} trees are not whole rounds of {slots}");
        }

        for (var t = 0; t < trees.Length; t++)
        {
            var nodes = Count(reader.ReadInt32(), "nodes");
            var tree = new FlatTree
            {
                Features = new int[nodes], Thresholds = new float[nodes], BinThresholds = new byte[nodes], DefaultLeft = new bool[nodes],
                Left = new int[nodes], Right = new int[nodes], Gains = new double[nodes], LeafValues = [],
            };
            for (var n = 0; n < nodes; n++)
            {
                tree.Features[n] = reader.ReadInt32();
                tree.Thresholds[n] = reader.ReadSingle();
                tree.DefaultLeft[n] = reader.ReadBoolean();
                tree.Left[n] = reader.ReadInt32();
                tree.Right[n] = reader.ReadInt32();
                tree.Gains[n] = reader.ReadDouble();
            }

            var leaves = Count(reader.ReadInt32(), "leaves");
            var values = new double[leaves];
            for (var l = 0; l < leaves; l++)
            {
                values[l] = reader.ReadDouble();
            }

            trees[t] = new FlatTree
            {
                Features = tree.Features, Thresholds = tree.Thresholds, BinThresholds = tree.BinThresholds, DefaultLeft = tree.DefaultLeft,
                Left = tree.Left, Right = tree.Right, Gains = tree.Gains, LeafValues = values,
            };
            Check(trees[t], features.Length, t);
        }

        return new BoostedTreeModel(kind, features, classes, baseScores, trees);
    }

    private static int Count(int value, string what) =>
        value is >= 0 and < (1 << 26) ? value : throw new FormatException($"a count of {what} of {value} is not plausible");

    // A damaged file must fail on load, not send prediction out of bounds later.
    private static void Check(FlatTree tree, int features, int index)
    {
        var nodes = tree.Features.Length;
        if (tree.LeafValues.Length != nodes + 1)
        {
            throw new FormatException($"tree {index} has {nodes} splits but {tree.LeafValues.Length} leaves");
        }

        for (var n = 0; n < nodes; n++)
        {
            if ((uint)tree.Features[n] >= (uint)features)
            {
                throw new FormatException($"tree {index} splits on feature {tree.Features[n]} of {features}");
            }

            foreach (var child in (ReadOnlySpan<int>)[tree.Left[n], tree.Right[n]])
            {
                if (child >= 0 ? child <= n || child >= nodes : ~child >= nodes + 1)
                {
                    throw new FormatException($"tree {index} node {n} points at a child that does not exist");
                }
            }
        }
    }
}
