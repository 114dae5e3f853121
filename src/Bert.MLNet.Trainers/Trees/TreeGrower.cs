namespace Bert.MLNet.Trainers.Trees;

/// <summary>
/// Grows one regression tree on gradients and hessians, leaf-wise: every leaf knows its best split, and the
/// leaf whose split gains most is split next, until the tree has its leaves or no split gains. Histograms
/// hold (gradient sum, hessian sum, count) per bin; a split builds the smaller child's histogram from its rows
/// and gets the larger one by subtracting it from the parent's.
/// </summary>
internal sealed unsafe class TreeGrower
{
    // Below this many row x feature updates a histogram is built on one thread.
    private const long ParallelWork = 1 << 17;

    private readonly byte[] bins;
    private readonly int featureCount;
    private readonly FeatureBins binning;
    private readonly BoostedTreeOptions options;
    private readonly int threads;
    private readonly int histogramLength;
    private readonly Stack<double[]> freeHistograms = new();
    private readonly double[][] threadHistograms;
    private readonly int[] scratch;

    public TreeGrower(byte[] bins, FeatureBins binning, int rows, BoostedTreeOptions options)
    {
        this.bins = bins;
        this.binning = binning;
        this.options = options;
        featureCount = binning.FeatureCount;
        threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        histogramLength = binning.Offsets[^1] * 3;
        threadHistograms = Enumerable.Range(0, threads).Select(_ => new double[histogramLength]).ToArray();
        scratch = new int[rows];
    }

    /// <summary>
    /// Grows a tree over <paramref name="rows"/> (reordered in place) using only <paramref name="features"/>.
    /// Leaf values are -G / (H + lambda) times the learning rate.
    /// </summary>
    public TreeBuilder Grow(int[] rows, int rowCount, int[] features, double[] gradients, double[] hessians)
    {
        var tree = new TreeBuilder();
        var leaves = new List<Leaf>();
        var root = new Leaf { Start = 0, Count = rowCount, Histogram = Rent() };
        Build(root.Histogram, rows, 0, rowCount, features, gradients, hessians);
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
            Build(small.Histogram, rows, small.Start, small.Count, features, gradients, hessians);
            large.Histogram = parent.Histogram!;
            Subtract(large.Histogram, small.Histogram);
            left.Split = FindSplit(left, features);
            right.Split = FindSplit(right, features);

            tree.Split(best, split.Feature, binning.UpperBounds[split.Feature], split.Bin, split.DefaultLeft, split.Gain);
            leaves[best] = left;
            leaves.Add(right);
        }

        foreach (var leaf in leaves)
        {
            freeHistograms.Push(leaf.Histogram!);
        }

        for (var i = 0; i < leaves.Count; i++)
        {
            tree.LeafValues[i] = -leaves[i].Gradient / (leaves[i].Hessian + options.L2Regularization) * options.LearningRate;
        }

        return tree;
    }

    private double[] Rent()
    {
        if (freeHistograms.TryPop(out var histogram))
        {
            Array.Clear(histogram);
            return histogram;
        }

        return new double[histogramLength];
    }

    private void Build(double[] histogram, int[] rows, int start, int count, int[] features, double[] gradients, double[] hessians)
    {
        var work = (long)count * features.Length;
        if (threads == 1 || work < ParallelWork)
        {
            Accumulate(histogram, rows, start, count, features, gradients, hessians);
            return;
        }

        var chunk = (count + threads - 1) / threads;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var from = start + (t * chunk);
            var n = Math.Min(chunk, start + count - from);
            var target = t == 0 ? histogram : threadHistograms[t];
            if (t != 0)
            {
                Array.Clear(target);
            }

            if (n > 0)
            {
                Accumulate(target, rows, from, n, features, gradients, hessians);
            }
        });
        for (var t = 1; t < threads; t++)
        {
            if (t * chunk < count)
            {
                Add(histogram, threadHistograms[t], features);
            }
        }
    }

    private void Accumulate(double[] histogram, int[] rows, int start, int count, int[] features, double[] gradients, double[] hessians)
    {
        var featureTotal = featureCount;
        var active = features.Length;
        fixed (byte* binBase = bins)
        fixed (double* hist = histogram)
        fixed (int* offsets = binning.Offsets)
        fixed (int* chosen = features)
        {
            if (active == featureTotal)
            {
                for (var i = start; i < start + count; i++)
                {
                    var row = rows[i];
                    var g = gradients[row];
                    var h = hessians[row];
                    var rowBins = binBase + ((long)row * featureTotal);
                    for (var f = 0; f < featureTotal; f++)
                    {
                        var cell = hist + ((offsets[f] + rowBins[f]) * 3);
                        cell[0] += g;
                        cell[1] += h;
                        cell[2] += 1;
                    }
                }
            }
            else
            {
                for (var i = start; i < start + count; i++)
                {
                    var row = rows[i];
                    var g = gradients[row];
                    var h = hessians[row];
                    var rowBins = binBase + ((long)row * featureTotal);
                    for (var j = 0; j < active; j++)
                    {
                        var f = chosen[j];
                        var cell = hist + ((offsets[f] + rowBins[f]) * 3);
                        cell[0] += g;
                        cell[1] += h;
                        cell[2] += 1;
                    }
                }
            }
        }
    }

    private void Add(double[] target, double[] source, int[] features)
    {
        foreach (var f in features)
        {
            var from = binning.Offsets[f] * 3;
            var to = binning.Offsets[f + 1] * 3;
            System.Numerics.Tensors.TensorPrimitives.Add(target.AsSpan(from, to - from), source.AsSpan(from, to - from), target.AsSpan(from, to - from));
        }
    }

    private static void Subtract(double[] parent, double[] child) =>
        System.Numerics.Tensors.TensorPrimitives.Subtract(parent, child, parent);

    private (double Gradient, double Hessian) Totals(double[] histogram, int feature)
    {
        double g = 0, h = 0;
        for (var b = binning.Offsets[feature]; b < binning.Offsets[feature + 1]; b++)
        {
            g += histogram[b * 3];
            h += histogram[(b * 3) + 1];
        }

        return (g, h);
    }

    private SplitCandidate FindSplit(Leaf leaf, int[] features)
    {
        if (leaf.Count < 2 * options.MinExamplesPerLeaf)
        {
            return default;
        }

        var candidates = new SplitCandidate[features.Length];
        var histogram = leaf.Histogram!;
        if (threads > 1 && (long)features.Length * 256 >= ParallelWork / 4)
        {
            Parallel.For(0, features.Length, new ParallelOptions { MaxDegreeOfParallelism = threads },
                i => candidates[i] = BestSplitOf(features[i], histogram, leaf));
        }
        else
        {
            for (var i = 0; i < features.Length; i++)
            {
                candidates[i] = BestSplitOf(features[i], histogram, leaf);
            }
        }

        var best = default(SplitCandidate);
        foreach (var candidate in candidates)
        {
            // Ties go to the lower feature index, so results do not depend on thread timing.
            if (candidate.IsValid && (!best.IsValid || candidate.Gain > best.Gain))
            {
                best = candidate;
            }
        }

        return best;
    }

    private SplitCandidate BestSplitOf(int feature, double[] histogram, Leaf leaf)
    {
        var lambda = options.L2Regularization;
        var minCount = options.MinExamplesPerLeaf;
        var offset = binning.Offsets[feature];
        var binCount = binning.BinCount(feature);
        double totalG = leaf.Gradient, totalH = leaf.Hessian, totalC = leaf.Count;
        var missingG = histogram[offset * 3];
        var missingH = histogram[(offset * 3) + 1];
        var missingC = histogram[(offset * 3) + 2];
        var parentScore = totalG * totalG / (totalH + lambda);
        var best = default(SplitCandidate);
        double leftG = 0, leftH = 0, leftC = 0;

        // Left holds value bins 1..b; missing values go right, or (when there are any) left.
        for (var b = 0; b < binCount; b++)
        {
            if (b > 0)
            {
                var cell = (offset + b) * 3;
                leftG += histogram[cell];
                leftH += histogram[cell + 1];
                leftC += histogram[cell + 2];
            }

            if (b > 0)
            {
                Consider(ref best, leftG, leftH, leftC, defaultLeft: false, b);
            }

            if (missingC > 0)
            {
                Consider(ref best, leftG + missingG, leftH + missingH, leftC + missingC, defaultLeft: true, b);
            }
        }

        return best;

        void Consider(ref SplitCandidate best, double g, double h, double c, bool defaultLeft, int bin)
        {
            var rightC = totalC - c;
            if (c < minCount || rightC < minCount)
            {
                return;
            }

            var rightG = totalG - g;
            var rightH = totalH - h;
            var gain = (g * g / (h + lambda)) + (rightG * rightG / (rightH + lambda)) - parentScore;
            if (gain > options.MinSplitGain && gain > 1e-12 && (!best.IsValid || gain > best.Gain))
            {
                // Without missing values in training, unseen NaNs follow the larger side.
                var nanLeft = missingC > 0 ? defaultLeft : c >= rightC;
                best = new SplitCandidate(feature, (byte)bin, nanLeft, gain, g, h);
            }
        }
    }

    private int Partition(int[] rows, int start, int count, SplitCandidate split)
    {
        var left = start;
        var right = 0;
        var feature = split.Feature;
        for (var i = start; i < start + count; i++)
        {
            var row = rows[i];
            var bin = bins[((long)row * featureCount) + feature];
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
