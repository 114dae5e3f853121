using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bert.MLNet.Trainers.Trees;

/// <summary>
/// Grows one regression tree on gradients and hessians, leaf-wise: every leaf knows its best split, and the
/// leaf whose split gains most is split next, until the tree has its leaves or no split gains. Histograms
/// hold (gradient sum, hessian sum, count) per bin; a split builds the smaller child's histogram from its rows
/// and gets the larger one by subtracting it from the parent's, feature by feature while both are in cache.
/// </summary>
internal sealed unsafe class TreeGrower
{
    // Histogram cells and gathered rows: (gradient, hessian, count, unused), 32 bytes, one AVX add per row.
    private const int Stride = 4;

    // Below this many row x feature updates a histogram is built on one thread.
    private const long ParallelWork = 1 << 17;

    private readonly byte[] bins;
    private readonly FeatureBins binning;
    private readonly BoostedTreeOptions options;
    private readonly int threads;
    private readonly int histogramLength;
    private readonly int rowTotal;
    private readonly double[] ordered;
    private readonly int[] scratch;
    private readonly Stack<double[]> freeHistograms = new();

    /// <param name="bins">Column-major bins of the training rows (see <see cref="FeatureBins.Apply"/>).</param>
    /// <param name="binning">The bins' boundaries.</param>
    /// <param name="rows">Training rows.</param>
    /// <param name="options">Tree settings.</param>
    public TreeGrower(byte[] bins, FeatureBins binning, int rows, BoostedTreeOptions options)
    {
        this.bins = bins;
        this.binning = binning;
        this.options = options;
        threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        histogramLength = binning.Offsets[^1] * Stride;
        rowTotal = rows;
        ordered = new double[rows * Stride];
        for (var i = 0; i < rows; i++)
        {
            ordered[(i * Stride) + 2] = 1;
        }

        scratch = new int[rows];
    }

    /// <summary>
    /// Grows a tree over the first <paramref name="rowCount"/> of <paramref name="rows"/>, given in increasing
    /// order (reordered in place, so
    /// that afterwards each leaf's rows are the range <see cref="TreeBuilder.LeafRows"/> names), splitting only on
    /// <paramref name="features"/>. Leaf values are -G / (H + lambda) times the learning rate.
    /// </summary>
    public TreeBuilder Grow(int[] rows, int rowCount, int[] features, double[] gradients, double[] hessians)
    {
        System.Diagnostics.Debug.Assert(rowCount < 2 || rows[0] < rows[1], "rows come in increasing order");
        var tree = new TreeBuilder();
        var leaves = new List<Leaf>();
        var root = new Leaf { Start = 0, Count = rowCount, Histogram = Rent() };
        Build(root.Histogram, null, rows, 0, rowCount, features, gradients, hessians);
        (root.Gradient, root.Hessian) = Totals(root.Histogram, features[0]);
        root.Split = FindSplit(root, features);
        leaves.Add(root);
        tree.AddLeaf();

        while (leaves.Count < options.Leaves)
        {
            var best = -1;
            for (var i = 0; i < leaves.Count; i++)
            {
                if (leaves[i].Split.IsValid && (best < 0 || leaves[i].Split.Gain > leaves[best].Split.Gain))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            var parent = leaves[best];
            var split = parent.Split;
            var leftCount = Partition(rows, parent.Start, parent.Count, split);
            var left = new Leaf { Start = parent.Start, Count = leftCount, Gradient = split.LeftGradient, Hessian = split.LeftHessian };
            var right = new Leaf
            {
                Start = parent.Start + leftCount, Count = parent.Count - leftCount,
                Gradient = parent.Gradient - split.LeftGradient, Hessian = parent.Hessian - split.LeftHessian,
            };
            var (small, large) = left.Count <= right.Count ? (left, right) : (right, left);
            small.Histogram = Rent();
            large.Histogram = parent.Histogram!;
            Build(small.Histogram, large.Histogram, rows, small.Start, small.Count, features, gradients, hessians);
            if (threads > 1)
            {
                Parallel.Invoke(() => left.Split = FindSplit(left, features), () => right.Split = FindSplit(right, features));
            }
            else
            {
                left.Split = FindSplit(left, features);
                right.Split = FindSplit(right, features);
            }

            tree.Split(best, split.Feature, binning.UpperBounds[split.Feature], split.Bin, split.DefaultLeft, split.Gain);
            leaves[best] = left;
            leaves.Add(right);
        }

        for (var i = 0; i < leaves.Count; i++)
        {
            freeHistograms.Push(leaves[i].Histogram!);
            tree.LeafValues[i] = -leaves[i].Gradient / (leaves[i].Hessian + options.L2Regularization) * options.LearningRate;
            tree.LeafRows.Add((leaves[i].Start, leaves[i].Count));
        }

        return tree;
    }

    private double[] Rent() => freeHistograms.TryPop(out var histogram) ? histogram : new double[histogramLength];

    /// <summary>
    /// Fills <paramref name="histogram"/> for the chosen features from a leaf's rows, feature by feature (each
    /// feature's bins stay in L1 cache) from the leaf's gradients gathered in row order, then, when a parent is
    /// given, turns the parent's histogram into the sibling's by subtraction. Features are shared out among threads.
    /// </summary>
    private void Build(double[] histogram, double[]? parent, int[] rows, int start, int count, int[] features, double[] gradients, double[] hessians)
    {
        Gather(rows, start, count, gradients, hessians);

        // The root of a tree that sees every row: rows are 0..n-1, so bins are read straight down their column.
        var contiguous = count == rowTotal;
        if (threads == 1 || (long)count * features.Length < ParallelWork || features.Length < 2)
        {
            Accumulate(histogram, parent, rows, start, count, features, 0, features.Length, contiguous);
            return;
        }

        var parts = Math.Min(threads, features.Length);
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
            Accumulate(histogram, parent, rows, start, count, features, part * features.Length / parts, (part + 1) * features.Length / parts, contiguous));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gather(int[] rows, int start, int count, double[] gradients, double[] hessians)
    {
        for (var i = 0; i < count; i++)
        {
            var row = rows[start + i];
            ordered[i * Stride] = gradients[row];
            ordered[(i * Stride) + 1] = hessians[row];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(double[] histogram, double[]? parent, int[] rows, int start, int count, int[] features, int first, int end, bool contiguous)
    {
        fixed (byte* binBase = bins)
        fixed (double* hist = histogram)
        fixed (double* gh = ordered)
        fixed (int* rowIndex = rows)
        {
            var leafRows = rowIndex + start;
            for (var j = first; j < end; j++)
            {
                var feature = features[j];
                var column = binBase + ((long)feature * rowTotal);
                var length = binning.BinCount(feature) * Stride;
                var cells = hist + (binning.Offsets[feature] * Stride);
                new Span<double>(cells, length).Clear();
                if (Vector256.IsHardwareAccelerated)
                {
                    // One 32-byte add per row: (gradient, hessian, 1, 0) onto the bin's (G, H, count, unused).
                    if (contiguous)
                    {
                        for (var i = 0; i < count; i++)
                        {
                            var cell = cells + (column[i] * Stride);
                            Vector256.Store(Vector256.Load(cell) + Vector256.Load(gh + (i * Stride)), cell);
                        }
                    }
                    else
                    {
                        for (var i = 0; i < count; i++)
                        {
                            var cell = cells + (column[leafRows[i]] * Stride);
                            Vector256.Store(Vector256.Load(cell) + Vector256.Load(gh + (i * Stride)), cell);
                        }
                    }
                }
                else
                {
                    for (var i = 0; i < count; i++)
                    {
                        var cell = cells + ((contiguous ? column[i] : column[leafRows[i]]) * Stride);
                        var pair = gh + (i * Stride);
                        cell[0] += pair[0];
                        cell[1] += pair[1];
                        cell[2] += 1;
                    }
                }

                if (parent is not null)
                {
                    var span = new Span<double>(cells, length);
                    var parentSpan = parent.AsSpan(binning.Offsets[feature] * Stride, length);
                    System.Numerics.Tensors.TensorPrimitives.Subtract(parentSpan, span, parentSpan);
                }
            }
        }
    }

    private (double Gradient, double Hessian) Totals(double[] histogram, int feature)
    {
        double g = 0, h = 0;
        for (var b = binning.Offsets[feature]; b < binning.Offsets[feature + 1]; b++)
        {
            g += histogram[b * Stride];
            h += histogram[(b * Stride) + 1];
        }

        return (g, h);
    }

    private SplitCandidate FindSplit(Leaf leaf, int[] features)
    {
        if (leaf.Count < 2 * options.MinExamplesPerLeaf)
        {
            return default;
        }

        var histogram = leaf.Histogram!;
        var best = default(SplitCandidate);
        foreach (var feature in features)
        {
            // Ties go to the lower feature index, so results do not depend on thread timing.
            var candidate = BestSplitOf(feature, histogram, leaf);
            if (candidate.IsValid && (!best.IsValid || candidate.Gain > best.Gain))
            {
                best = candidate;
            }
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SplitCandidate BestSplitOf(int feature, double[] histogram, Leaf leaf)
    {
        var lambda = options.L2Regularization;
        double minCount = options.MinExamplesPerLeaf;
        var minGain = Math.Max(options.MinSplitGain, 1e-12);
        var binCount = binning.BinCount(feature);
        double totalG = leaf.Gradient, totalH = leaf.Hessian, totalC = leaf.Count;
        var parentScore = totalG * totalG / (totalH + lambda);
        double bestGain = 0, bestG = 0, bestH = 0;
        var bestBin = -1;
        var bestLeft = false;
        fixed (double* cells = &histogram[binning.Offsets[feature] * Stride])
        {
            double missingG = cells[0], missingH = cells[1], missingC = cells[2];
            var hasMissing = missingC > 0;
            double leftG = 0, leftH = 0, leftC = 0;

            // Left holds value bins 1..b; missing values go right, or (when there are any) left. Empty bins
            // change nothing, so only bins holding rows are tried.
            for (var b = 1; b < binCount; b++)
            {
                var cell = cells + (b * Stride);
                if (cell[2] == 0)
                {
                    continue;
                }

                leftG += cell[0];
                leftH += cell[1];
                leftC += cell[2];
                if (totalC - leftC < minCount)
                {
                    break;
                }

                if (leftC >= minCount)
                {
                    var rightG = totalG - leftG;
                    var gain = (leftG * leftG / (leftH + lambda)) + (rightG * rightG / (totalH - leftH + lambda)) - parentScore;
                    if (gain > bestGain)
                    {
                        // Without missing values in training, unseen NaNs follow the larger side.
                        (bestGain, bestBin, bestG, bestH, bestLeft) = (gain, b, leftG, leftH, !hasMissing && leftC >= totalC - leftC);
                    }
                }

                if (hasMissing && leftC + missingC >= minCount && totalC - leftC - missingC >= minCount)
                {
                    double g = leftG + missingG, h = leftH + missingH;
                    var rightG = totalG - g;
                    var gain = (g * g / (h + lambda)) + (rightG * rightG / (totalH - h + lambda)) - parentScore;
                    if (gain > bestGain)
                    {
                        (bestGain, bestBin, bestG, bestH, bestLeft) = (gain, b, g, h, true);
                    }
                }
            }

            // Missing values alone on the left, every value on the right.
            if (hasMissing && missingC >= minCount && totalC - missingC >= minCount)
            {
                var rightG = totalG - missingG;
                var gain = (missingG * missingG / (missingH + lambda)) + (rightG * rightG / (totalH - missingH + lambda)) - parentScore;
                if (gain > bestGain)
                {
                    (bestGain, bestBin, bestG, bestH, bestLeft) = (gain, 0, missingG, missingH, true);
                }
            }
        }

        return bestBin >= 0 && bestGain > minGain ? new SplitCandidate(feature, (byte)bestBin, bestLeft, bestGain, bestG, bestH) : default;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Partition(int[] rows, int start, int count, SplitCandidate split)
    {
        var left = start;
        var right = 0;
        var column = bins.AsSpan(split.Feature * rowTotal, rowTotal);
        for (var i = start; i < start + count; i++)
        {
            var row = rows[i];
            var bin = column[row];
            var goesLeft = bin == FeatureBins.MissingBin ? split.DefaultLeft : bin <= split.Bin;
            if (goesLeft)
            {
                rows[left++] = row;
            }
            else
            {
                scratch[right++] = row;
            }
        }

        Array.Copy(scratch, 0, rows, left, right);
        return left - start;
    }

    private sealed class Leaf
    {
        public int Start;
        public int Count;
        public double Gradient;
        public double Hessian;
        public double[]? Histogram;
        public SplitCandidate Split;
    }

    private readonly record struct SplitCandidate(int Feature, byte Bin, bool DefaultLeft, double Gain, double LeftGradient, double LeftHessian)
    {
        public bool IsValid => Gain > 0;
    }
}
