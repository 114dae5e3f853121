namespace Bert.MLNet.Trainers.Trees;

/// <summary>
/// Quantile bins per feature: bin 0 holds missing values (NaN), bins 1..n hold the values in rising order,
/// value v falling in the first bin whose upper bound is at or above it. Bounds sit halfway between adjacent
/// distinct training values, so "value &lt;= bound" on raw floats and "bin &lt;= b" on bins always agree.
/// </summary>
internal sealed class FeatureBins
{
    /// <summary>The bin of a missing value.</summary>
    public const byte MissingBin = 0;

    /// <summary>The most value bins a feature can have (plus the missing bin, 256 fit in a byte).</summary>
    public const int MaxValueBins = 255;

    private FeatureBins(float[][] upperBounds)
    {
        UpperBounds = upperBounds;
        Offsets = new int[upperBounds.Length + 1];
        for (var f = 0; f < upperBounds.Length; f++)
        {
            Offsets[f + 1] = Offsets[f] + BinCount(f);
        }
    }

    /// <summary>Per feature, the upper bound of each value bin but the last.</summary>
    public float[][] UpperBounds { get; }

    /// <summary>Where each feature's bins start in a histogram over all features; the last entry is the total.</summary>
    public int[] Offsets { get; }

    /// <summary>Number of features.</summary>
    public int FeatureCount => UpperBounds.Length;

    /// <summary>Bins of feature <paramref name="feature"/>, the missing bin included.</summary>
    public int BinCount(int feature) => UpperBounds[feature].Length + 2;

    /// <summary>Chooses bins from the training values (from a seeded sample of at most <paramref name="sampleRows"/> rows).</summary>
    public static FeatureBins Fit(FeatureMatrix features, int maxValueBins, int sampleRows, int seed)
    {
        if (maxValueBins is < 2 or > MaxValueBins)
        {
            throw new ArgumentOutOfRangeException(nameof(maxValueBins), maxValueBins, $"Bins per feature must be between 2 and {MaxValueBins}.");
        }

        var rows = Enumerable.Range(0, features.Rows).ToArray();
        if (rows.Length > sampleRows)
        {
            new Random(seed).Shuffle(rows);
            rows = rows[..sampleRows];
        }

        var bounds = new float[features.Columns][];
        Parallel.For(0, features.Columns, f =>
        {
            var values = new float[rows.Length];
            var count = 0;
            foreach (var r in rows)
            {
                var v = features[r][f];
                if (!float.IsNaN(v))
                {
                    values[count++] = v == 0 ? 0 : v; // -0 and +0 are one value
                }
            }

            bounds[f] = ChooseBounds(values.AsSpan(0, count), maxValueBins);
        });
        return new FeatureBins(bounds);
    }

    /// <summary>Restores bins from their bounds (as saved with a model).</summary>
    public static FeatureBins FromBounds(float[][] upperBounds) => new(upperBounds);

    /// <summary>The bin of <paramref name="value"/> for feature <paramref name="feature"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public byte Bin(int feature, float value)
    {
        if (float.IsNaN(value))
        {
            return MissingBin;
        }

        var bounds = UpperBounds[feature];
        int low = 0, high = bounds.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (bounds[mid] < value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return (byte)(low + 1);
    }

    /// <summary>Bins every value, column-major (feature f's bins at f * rows), so a histogram pass reads one column.</summary>
    public byte[] Apply(FeatureMatrix features)
    {
        var rows = features.Rows;
        var bins = new byte[rows * features.Columns];
        Parallel.For(0, features.Columns, f =>
        {
            var column = bins.AsSpan(f * rows, rows);
            for (var r = 0; r < rows; r++)
            {
                column[r] = Bin(f, features[r][f]);
            }
        });
        return bins;
    }

    /// <summary>
    /// Bounds for sorted-on-demand values: each distinct value its own bin when they fit, otherwise greedy
    /// quantiles, each bin taking about an equal share of the values still unassigned.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static float[] ChooseBounds(Span<float> values, int maxValueBins)
    {
        if (values.Length == 0)
        {
            return [];
        }

        values.Sort();
        var distinct = new List<(float Value, int Count)>();
        foreach (var v in values)
        {
            if (distinct.Count > 0 && distinct[^1].Value == v)
            {
                distinct[^1] = (v, distinct[^1].Count + 1);
            }
            else
            {
                distinct.Add((v, 1));
            }
        }

        var bounds = new List<float>();
        if (distinct.Count <= maxValueBins)
        {
            for (var i = 0; i + 1 < distinct.Count; i++)
            {
                bounds.Add(Between(distinct[i].Value, distinct[i + 1].Value));
            }

            return [.. bounds];
        }

        var remaining = values.Length;
        var binsLeft = maxValueBins;
        var inBin = 0;
        for (var i = 0; i + 1 < distinct.Count && binsLeft > 1; i++)
        {
            inBin += distinct[i].Count;
            var target = (double)remaining / binsLeft;

            // Close the bin here when it is full, or when adding the next value would overshoot by more than it undershoots now.
            if (inBin >= target || inBin + distinct[i + 1].Count - target > target - inBin)
            {
                bounds.Add(Between(distinct[i].Value, distinct[i + 1].Value));
                remaining -= inBin;
                binsLeft--;
                inBin = 0;
            }
        }

        return [.. bounds];
    }

    private static float Between(float low, float high)
    {
        var mid = (float)((low + (double)high) / 2);
        return mid < high ? mid : low;
    }
}
