namespace Bert.MLNet.Trainers;

/// <summary>Quality of binary predictions: the positive class is class 1.</summary>
public sealed record BinaryMetrics
{
    /// <summary>Share of rows whose predicted class (probability at or above the threshold) is right.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Area under the ROC curve: the chance a random positive scores above a random negative (ties count half).</summary>
    public required double Auc { get; init; }

    /// <summary>Harmonic mean of precision and recall (0 when both are 0).</summary>
    public required double F1 { get; init; }

    /// <summary>Share of predicted positives that are positive (0 when nothing is predicted positive).</summary>
    public required double Precision { get; init; }

    /// <summary>Share of positives predicted positive (0 when there are no positives).</summary>
    public required double Recall { get; init; }

    /// <summary>Mean negative natural log of the probability given to the true class (probabilities clipped to [1e-15, 1 - 1e-15]).</summary>
    public required double LogLoss { get; init; }

    /// <summary>Rows: true positives, false positives, true negatives, false negatives.</summary>
    public required (int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives) Counts { get; init; }

    /// <summary>Scores predictions against the truth.</summary>
    /// <param name="positive">Whether each row is truly positive.</param>
    /// <param name="probability">Each row's predicted probability of being positive.</param>
    /// <param name="threshold">Probabilities at or above it predict positive.</param>
    public static BinaryMetrics Compute(IReadOnlyList<bool> positive, IReadOnlyList<float> probability, double threshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(probability);
        MetricChecks.SameLength(positive.Count, probability.Count);
        int tp = 0, fp = 0, tn = 0, fn = 0;
        double logLoss = 0;
        for (var i = 0; i < positive.Count; i++)
        {
            var p = probability[i];
            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentException($"Row {i} has probability {p}; probabilities must be in [0, 1].", nameof(probability));
            }

            var predicted = p >= threshold;
            (tp, fp, tn, fn) = (positive[i], predicted) switch
            {
                (true, true) => (tp + 1, fp, tn, fn),
                (false, true) => (tp, fp + 1, tn, fn),
                (false, false) => (tp, fp, tn + 1, fn),
                _ => (tp, fp, tn, fn + 1),
            };
            logLoss -= Math.Log(MetricChecks.Clip(positive[i] ? p : 1 - (double)p));
        }

        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        return new BinaryMetrics
        {
            Accuracy = (double)(tp + tn) / positive.Count,
            Auc = AreaUnderRoc(positive, probability),
            F1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall),
            Precision = precision,
            Recall = recall,
            LogLoss = logLoss / positive.Count,
            Counts = (tp, fp, tn, fn),
        };
    }

    /// <summary>AUC by ranks (the Mann-Whitney statistic), ties given their average rank; NaN without both classes.</summary>
    public static double AreaUnderRoc(IReadOnlyList<bool> positive, IReadOnlyList<float> score)
    {
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(score);
        MetricChecks.SameLength(positive.Count, score.Count);
        var ranks = Correlation.Ranks(score.Select(s => (double)s).ToArray());
        long positives = positive.Count(p => p);
        long negatives = positive.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        double rankSum = 0;
        for (var i = 0; i < positive.Count; i++)
        {
            if (positive[i])
            {
                rankSum += ranks[i];
            }
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }
}
