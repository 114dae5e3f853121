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

    // Below this many bins (over the features searched) a leaf's split search is not worth another thread.
    private const int ParallelSearchBins = 4096;

    private readonly byte[] bins;
    private readonly FeatureBins binning;
    private readonly BoostedTreeOptions options;
    private readonly int threads;
    private readonly int histogramLength;
    private readonly int rowTotal;
    private readonly AlignedBuffer ordered;
    private readonly int[] scratch;
    private readonly Stack<AlignedBuffer> freeHistograms = new();

    /// <param name="bins">Column-major bins of the training rows (see <see cref="FeatureBins.Apply"/>).</param>
    /// <param name="binning">The bins' boundaries.</param>
    /// <param name="rows">Training rows.</param>
    /// <param name="options">Tree settings.</param>
    /// <param name="threads">Threads this grower may use for one tree.</param>
    public TreeGrower(byte[] bins, FeatureBins binning, int rows, BoostedTreeOptions options, int threads)
    {
        this.bins = bins;
        this.binning = binning;
        this.options = options;
        this.threads = threads;
        histogramLength = binning.Offsets[^1] * Stride;
        rowTotal = rows;
        ordered = new AlignedBuffer(rows * Stride);
        for (var i = 0; i < rows; i++)
        {
            ordered.Pointer[(i * Stride) + 2] = 1;
        }

        scratch = new int[rows];
    }

    /// <summary>
    /// Grows a tree over the first <paramref name="rowCount"/> of <paramref name="rows"/>, given in increasing
    /// order and reordered in place so that afterwards each leaf's rows are the range
    /// <see cref="TreeBuilder.LeafRows"/> names; splits only on <paramref name="features"/>. Leaf values are
    /// -G / (H + lambda) times the learning rate.
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

            // Both children's split searches run at once when they are worth a thread hand-off.
            if (threads > 1 && SearchWork(features) >= ParallelSearchBins)
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

    private int SearchWork(int[] features)
    {
        var total = 0;
        foreach (var feature in features)
        {
            total += binning.BinCount(feature);
        }

        return total;
    }

    private AlignedBuffer Rent() => freeHistograms.TryPop(out var histogram) ? histogram : new AlignedBuffer(histogramLength);

    /// <summary>
    /// Fills <paramref name="histogram"/> for the chosen features from a leaf's rows, feature by feature (each
    /// feature's bins stay in L1 cache) from the leaf's gradients gathered in row order, then, when a parent is
    /// given, turns the parent's histogram into the sibling's by subtraction. Features are shared out among threads.
    /// </summary>
    private void Build(AlignedBuffer histogram, AlignedBuffer? parent, int[] rows, int start, int count, int[] features, double[] gradients, double[] hessians)
    {
        if (count == 0)
        {
            return;
        }

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
        fixed (int* rowIndex = &rows[start])
        fixed (double* g = gradients)
        fixed (double* h = hessians)
        {
            var target = ordered.Pointer;
            for (var i = 0; i < count; i++)
            {
                var row = rowIndex[i];
                target[i * Stride] = g[row];
                target[(i * Stride) + 1] = h[row];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(AlignedBuffer histogram, AlignedBuffer? parent, int[] rows, int start, int count, int[] features, int first, int end, bool contiguous)
    {
        fixed (byte* binBase = bins)
        fixed (int* rowIndex = rows)
        {
            var hist = histogram.Pointer;
            var gh = ordered.Pointer;
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
                    var parentCells = parent.Pointer + (binning.Offsets[feature] * Stride);
                    if (count * Stride < length && Vector256.IsHardwareAccelerated)
                    {
                        // Fewer rows than bins (wide features, small leaves): take each row out of the parent
                        // rather than walking every bin.
                        for (var i = 0; i < count; i++)
                        {
                            var cell = parentCells + ((contiguous ? column[i] : column[leafRows[i]]) * Stride);
                            Vector256.Store(Vector256.Load(cell) - Vector256.Load(gh + (i * Stride)), cell);
                        }
                    }
                    else
                    {
                        var parentSpan = new Span<double>(parentCells, length);
                        System.Numerics.Tensors.TensorPrimitives.Subtract(parentSpan, new Span<double>(cells, length), parentSpan);
                    }
                }
            }
        }
    }

    private (double Gradient, double Hessian) Totals(AlignedBuffer histogram, int feature)
    {
        double g = 0, h = 0;
        for (var b = binning.Offsets[feature]; b < binning.Offsets[feature + 1]; b++)
        {
            g += histogram.Pointer[b * Stride];
            h += histogram.Pointer[(b * Stride) + 1];
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
    private SplitCandidate BestSplitOf(int feature, AlignedBuffer histogram, Leaf leaf)
    {
        var lambda = options.L2Regularization;
        double minCount = options.MinExamplesPerLeaf;
        var valueBins = binning.BinCount(feature) - 1;
        double totalG = leaf.Gradient, totalH = leaf.Hessian, totalC = leaf.Count;
        var parentScore = totalG * totalG / (totalH + lambda);
        var cells = histogram.Pointer + (binning.Offsets[feature] * Stride);
        double missingG = cells[0], missingH = cells[1], missingC = cells[2];

        // Prefix sums over the value bins: entry j holds bins 1..j+1, the left side of a split after bin j+1.
        var prefix = stackalloc double[3 * valueBins];
        double g = 0, h = 0, c = 0;
        for (var j = 0; j < valueBins; j++)
        {
            var cell = cells + ((j + 1) * Stride);
            prefix[j] = g += cell[0];
            prefix[valueBins + j] = h += cell[1];
            prefix[(2 * valueBins) + j] = c += cell[2];
        }

        var prefixG = new ReadOnlySpan<double>(prefix, valueBins);
        var prefixH = new ReadOnlySpan<double>(prefix + valueBins, valueBins);
        var prefixC = new ReadOnlySpan<double>(prefix + (2 * valueBins), valueBins);
        var totals = new LeafTotals(totalG, totalH, totalC, lambda, minCount, parentScore);

        // Missing values (if any) to the right, then to the left; then missing values alone on the left.
        var (bestGain, best) = BestPrefix(prefixG, prefixH, prefixC, 0, 0, 0, totals);
        var bestLeft = missingC == 0 && best >= 0 && prefixC[best] >= totalC - prefixC[best];
        double bestG = best >= 0 ? prefixG[best] : 0, bestH = best >= 0 ? prefixH[best] : 0;
        var bestBin = best + 1;
        if (missingC > 0)
        {
            var (gain, index) = BestPrefix(prefixG, prefixH, prefixC, missingG, missingH, missingC, totals);
            if (gain > bestGain)
            {
                (bestGain, bestBin, bestG, bestH, bestLeft) = (gain, index + 1, prefixG[index] + missingG, prefixH[index] + missingH, true);
            }

            var alone = totals.Gain(missingG, missingH, missingC);
            if (alone > bestGain)
            {
                (bestGain, bestBin, bestG, bestH, bestLeft) = (alone, 0, missingG, missingH, true);
            }
        }

        return bestGain > Math.Max(options.MinSplitGain, 1e-12) ? new SplitCandidate(feature, (byte)bestBin, bestLeft, bestGain, bestG, bestH) : default;
    }

    /// <summary>
    /// The best split among "left = prefix j plus (addG, addH, addC)", four at a time: its gain (-infinity when no
    /// split keeps enough rows on both sides) and the lowest j reaching it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double Gain, int Index) BestPrefix(
        ReadOnlySpan<double> prefixG, ReadOnlySpan<double> prefixH, ReadOnlySpan<double> prefixC, double addG, double addH, double addC, LeafTotals totals)
    {
        var bestGain = double.NegativeInfinity;
        var best = -1;
        var j = 0;
        if (Vector256.IsHardwareAccelerated && prefixG.Length >= 4)
        {
            var gains = Vector256.Create(double.NegativeInfinity);
            var indices = Vector256.Create(-1.0);
            var index = Vector256.Create(0.0, 1, 2, 3);
            var lambda = Vector256.Create(totals.Lambda);
            var minCount = Vector256.Create(totals.MinCount);
            for (; j + 4 <= prefixG.Length; j += 4)
            {
                var leftG = Vector256.Create(prefixG.Slice(j, 4)) + Vector256.Create(addG);
                var leftH = Vector256.Create(prefixH.Slice(j, 4)) + Vector256.Create(addH);
                var leftC = Vector256.Create(prefixC.Slice(j, 4)) + Vector256.Create(addC);
                var rightG = Vector256.Create(totals.G) - leftG;
                var rightH = Vector256.Create(totals.H) - leftH;
                var gain = (leftG * leftG / (leftH + lambda)) + (rightG * rightG / (rightH + lambda)) - Vector256.Create(totals.ParentScore);
                var valid = Vector256.GreaterThanOrEqual(leftC, minCount) & Vector256.GreaterThanOrEqual(Vector256.Create(totals.C) - leftC, minCount);
                var better = valid & Vector256.GreaterThan(gain, gains);
                gains = Vector256.ConditionalSelect(better, gain, gains);
                indices = Vector256.ConditionalSelect(better, index, indices);
                index += Vector256.Create(4.0);
            }

            for (var lane = 0; lane < 4; lane++)
            {
                if (gains[lane] > bestGain || (gains[lane] == bestGain && indices[lane] >= 0 && indices[lane] < best))
                {
                    (bestGain, best) = (gains[lane], (int)indices[lane]);
                }
            }
        }

        for (; j < prefixG.Length; j++)
        {
            var gain = totals.Gain(prefixG[j] + addG, prefixH[j] + addH, prefixC[j] + addC);
            if (gain > bestGain)
            {
                (bestGain, best) = (gain, j);
            }
        }

        return (bestGain, best);
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

    /// <summary>
    /// Doubles in pinned memory starting on a 32-byte boundary, so a histogram cell never straddles two cache
    /// lines (a split 32-byte load or store costs several times a whole one).
    /// </summary>
    private sealed class AlignedBuffer
    {
        private readonly double[] storage;

        public AlignedBuffer(int length)
        {
            storage = GC.AllocateArray<double>(length + 4, pinned: true);
            var address = (nint)Unsafe.AsPointer(ref storage[0]);
            Pointer = (double*)(address + ((32 - (address & 31)) & 31));
        }

        public double* Pointer { get; }
    }

    private sealed class Leaf
    {
        public int Start;
        public int Count;
        public double Gradient;
        public double Hessian;
        public AlignedBuffer? Histogram;
        public SplitCandidate Split;
    }

    /// <summary>A leaf's sums and the split rules: the gain of a left side, -infinity when a side is too small.</summary>
    private readonly record struct LeafTotals(double G, double H, double C, double Lambda, double MinCount, double ParentScore)
    {
        public double Gain(double leftG, double leftH, double leftC)
        {
            if (leftC < MinCount || C - leftC < MinCount)
            {
                return double.NegativeInfinity;
            }

            var rightG = G - leftG;
            return (leftG * leftG / (leftH + Lambda)) + (rightG * rightG / (H - leftH + Lambda)) - ParentScore;
        }
    }

    private readonly record struct SplitCandidate(int Feature, byte Bin, bool DefaultLeft, double Gain, double LeftGradient, double LeftHessian)
    {
        public bool IsValid => Gain > 0;
    }
}
