namespace Bert.MLNet.Trainers;

/// <summary>Pearson and Spearman correlation, as used to score embedding similarity against human judgments.</summary>
public static class Correlation
{
    /// <summary>Pearson's r; NaN when either side is constant.</summary>
    /// <param name="x">First values.</param>
    /// <param name="y">Second values, paired with <paramref name="x"/>.</param>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        MetricChecks.SameLength(x.Count, y.Count);
        double meanX = x.Average(), meanY = y.Average();
        double xy = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Count; i++)
        {
            var dx = x[i] - meanX;
            var dy = y[i] - meanY;
            xy += dx * dy;
            xx += dx * dx;
            yy += dy * dy;
        }

        return xx == 0 || yy == 0 ? double.NaN : xy / Math.Sqrt(xx * yy);
    }

    /// <summary>Spearman's rho: Pearson's r of the ranks, ties given their average rank.</summary>
    /// <param name="x">First values.</param>
    /// <param name="y">Second values, paired with <paramref name="x"/>.</param>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        MetricChecks.SameLength(x.Count, y.Count);
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>1-based ranks, ties sharing their average rank.</summary>
    internal static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).ToArray();
        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
        var ranks = new double[values.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && values[order[j + 1]].CompareTo(values[order[i]]) == 0)
            {
                j++;
            }

            var rank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = rank;
            }

            i = j + 1;
        }

        return ranks;
    }
}
