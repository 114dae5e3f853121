using Bert.MLNet.Trainers.Trees;

namespace Bert.MLNet.Trainers;

/// <summary>
/// Gradient-boosted decision trees in the style of ML.NET's FastTree: features binned into byte histograms,
/// trees grown leaf-wise by second-order gain, L2-regularized Newton leaf values, row and feature subsampling,
/// missing values with a learned default direction, and early stopping on a validation set.
/// Binary classification uses logistic loss, multiclass softmax (one tree per class per round), regression squared error.
/// </summary>
/// <param name="options">Settings; null for the defaults.</param>
public sealed class BoostedTreeTrainer(BoostedTreeOptions? options = null)
{
    // Bin boundaries come from at most this many rows, as in LightGBM's bin_construct_sample_cnt.
    private const int BinningSampleRows = 200_000;

    /// <summary>The settings.</summary>
    public BoostedTreeOptions Options { get; } = options ?? new BoostedTreeOptions();

    /// <summary>Trains a model.</summary>
    /// <param name="training">Training examples.</param>
    /// <param name="validation">Optional examples for early stopping and progress; same features and classes.</param>
    /// <param name="progress">Receives a report after every round.</param>
    /// <param name="cancellation">Stops training between rounds.</param>
    public BoostedTreeModel Fit(LabeledData training, LabeledData? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        Options.Validate();
        var kind = TrainingChecks.ResolveTask(Options.Task, training, validation);
        var rows = training.Count;
        var columns = training.Features.Columns;
        var slots = kind == PredictionKind.MulticlassClassification ? training.Classes!.Count : 1;
        var threads = Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount;

        var binning = FeatureBins.Fit(training.Features, Options.MaxBins, BinningSampleRows, Options.Seed);
        var bins = binning.Apply(training.Features);
        // Multiclass rounds grow their class trees side by side, a thread each; otherwise one tree uses every thread.
        var classThreads = Math.Min(threads, slots);
        var growers = Enumerable.Range(0, classThreads)
            .Select(_ => new TreeGrower(bins, binning, rows, Options, classThreads > 1 ? 1 : threads)).ToArray();
        var treeRows = Enumerable.Range(0, classThreads).Select(_ => new int[rows]).ToArray();
        var roundTrees = new FlatTree[slots];
        var baseScores = Objectives.BaseScores(kind, training, slots);
        var scores = Repeat(baseScores, rows);
        var validationScores = validation is null ? null : Repeat(baseScores, validation.Count);
        var gradients = Enumerable.Range(0, slots).Select(_ => new double[rows]).ToArray();
        var hessians = Enumerable.Range(0, slots).Select(_ => new double[rows]).ToArray();
        var sampledRows = new int[rows];
        var random = new Random(Options.Seed);
        var trees = new List<FlatTree>();
        var bestLoss = double.PositiveInfinity;
        var bestRounds = 0;

        for (var round = 0; round < Options.Trees; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            var rowCount = SampleRows(sampledRows, rows, random);
            var features = SampleFeatures(columns, random);

            // Every class's gradients come from the scores at the start of the round, as in xgboost.
            Objectives.Gradients(kind, training, scores, slots, gradients, hessians, threads);
            Parallel.For(0, classThreads, new ParallelOptions { MaxDegreeOfParallelism = classThreads }, worker =>
            {
                for (var slot = worker; slot < slots; slot += classThreads)
                {
                    var rowOrder = treeRows[worker];
                    Array.Copy(sampledRows, rowOrder, rows);
                    var grown = growers[worker].Grow(rowOrder, rowCount, features, gradients[slot], hessians[slot]);
                    var tree = FlatTree.From(grown);
                    AddTree(tree, grown, rowOrder, rowCount, bins, scores, slots, slot, classThreads > 1 ? 1 : threads);
                    roundTrees[slot] = tree;
                }
            });
            for (var slot = 0; slot < slots; slot++)
            {
                trees.Add(roundTrees[slot]);
                if (validation is not null)
                {
                    AddTree(roundTrees[slot], validation.Features, validationScores!, slots, slot, threads);
                }
            }

            var trainingLoss = progress is null ? double.NaN : Objectives.Loss(kind, training, scores, slots, threads);
            double? validationLoss = validation is null ? null : Objectives.Loss(kind, validation, validationScores!, slots, threads);
            progress?.Report(new TrainingProgress(round + 1, Options.Trees, trainingLoss, validationLoss));
            if (validationLoss is { } loss && Options.EarlyStoppingRounds > 0)
            {
                if (loss < bestLoss)
                {
                    bestLoss = loss;
                    bestRounds = round + 1;
                }
                else if (round + 1 - bestRounds >= Options.EarlyStoppingRounds)
                {
                    break;
                }
            }
        }

        if (validation is not null && Options.EarlyStoppingRounds > 0)
        {
            trees.RemoveRange(bestRounds * slots, trees.Count - (bestRounds * slots));
        }

        return new BoostedTreeModel(kind, training.Features.Names, training.Classes, baseScores, [.. trees]);
    }

    private static double[] Repeat(double[] values, int rows)
    {
        var repeated = new double[rows * values.Length];
        for (var r = 0; r < rows; r++)
        {
            values.CopyTo(repeated, r * values.Length);
        }

        return repeated;
    }

    private int SampleRows(int[] sampled, int rows, Random random)
    {
        for (var r = 0; r < rows; r++)
        {
            sampled[r] = r;
        }

        if (Options.RowFraction >= 1)
        {
            return rows;
        }

        var count = Math.Max(1, (int)Math.Round(rows * Options.RowFraction));
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, rows);
            (sampled[i], sampled[j]) = (sampled[j], sampled[i]);
        }

        // In row order, so histogram building walks the binned data forward.
        Array.Sort(sampled, 0, count);
        return count;
    }

    private int[] SampleFeatures(int columns, Random random)
    {
        var all = Enumerable.Range(0, columns).ToArray();
        if (Options.FeatureFraction >= 1)
        {
            return all;
        }

        var count = Math.Max(1, (int)Math.Round(columns * Options.FeatureFraction));
        random.Shuffle(all);
        var chosen = all[..count];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>
    /// Adds a new tree's output to the training scores: rows the tree was grown on through the leaf ranges the
    /// grower left in <paramref name="rows"/>, the rest (when rows are sampled) by walking the tree on their bins.
    /// </summary>
    private static void AddTree(FlatTree tree, TreeBuilder grown, int[] rows, int grownRows, byte[] bins, double[] scores, int slots, int slot, int threads)
    {
        for (var leaf = 0; leaf < grown.LeafRows.Count; leaf++)
        {
            var (start, count) = grown.LeafRows[leaf];
            var value = tree.LeafValues[leaf];
            for (var i = start; i < start + count; i++)
            {
                scores[(rows[i] * slots) + slot] += value;
            }
        }

        var total = rows.Length;
        RowBlocks.For(total - grownRows, 4096, threads, (start, end) =>
        {
            for (var i = grownRows + start; i < grownRows + end; i++)
            {
                scores[(rows[i] * slots) + slot] += tree.Evaluate(bins, total, rows[i]);
            }
        });
    }

    private static void AddTree(FlatTree tree, FeatureMatrix features, double[] scores, int slots, int slot, int threads)
    {
        RowBlocks.For(features.Rows, 4096, threads, (start, end) =>
        {
            for (var r = start; r < end; r++)
            {
                scores[(r * slots) + slot] += tree.Evaluate(features[r]);
            }
        });
    }
}
