namespace Bert.MLNet.Trainers;

/// <summary>Quality of real-valued predictions.</summary>
public sealed record RegressionMetrics
{
    /// <summary>Root mean squared error.</summary>
    public required double Rmse { get; init; }

    /// <summary>Mean absolute error.</summary>
    public required double Mae { get; init; }

    /// <summary>Coefficient of determination: 1 - SSE / total sum of squares about the truth's mean (NaN when the truth is constant).</summary>
    public required double RSquared { get; init; }

    /// <summary>Scores predictions against the truth.</summary>
    /// <param name="truth">True values.</param>
    /// <param name="predicted">Predicted values.</param>
    public static RegressionMetrics Compute(IReadOnlyList<float> truth, IReadOnlyList<float> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        MetricChecks.SameLength(truth.Count, predicted.Count);
        var mean = truth.Average(t => (double)t);
        double squared = 0, absolute = 0, spread = 0;
        for (var i = 0; i < truth.Count; i++)
        {
            var error = (double)predicted[i] - truth[i];
            squared += error * error;
            absolute += Math.Abs(error);
            spread += (truth[i] - mean) * (truth[i] - mean);
        }

        return new RegressionMetrics
        {
            Rmse = Math.Sqrt(squared / truth.Count),
            Mae = absolute / truth.Count,
            RSquared = spread == 0 ? double.NaN : 1 - (squared / spread),
        };
    }
}
