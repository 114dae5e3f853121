namespace Bert.MLNet.Trainers;

/// <summary>Quality of multiclass predictions, in ML.NET's terms.</summary>
public sealed record MulticlassMetrics
{
    /// <summary>Micro accuracy: share of rows whose most probable class is right.</summary>
    public required double MicroAccuracy { get; init; }

    /// <summary>Macro accuracy: the mean over classes (that occur in the truth) of the share of their rows predicted right.</summary>
    public required double MacroAccuracy { get; init; }

    /// <summary>Mean negative natural log of the probability given to the true class (clipped at 1e-15).</summary>
    public required double LogLoss { get; init; }

    /// <summary>Per class: precision (0 when never predicted).</summary>
    public required double[] PerClassPrecision { get; init; }

    /// <summary>Per class: recall (0 when absent from the truth).</summary>
    public required double[] PerClassRecall { get; init; }

    /// <summary>Per class: F1 (0 when precision and recall are both 0).</summary>
    public required double[] PerClassF1 { get; init; }

    /// <summary>Mean of the per-class F1 over classes that occur in the truth or the predictions.</summary>
    public required double MacroF1 { get; init; }

    /// <summary>Rows of true class i predicted as class j, at [i][j].</summary>
    public required int[][] ConfusionMatrix { get; init; }

    /// <summary>Scores class probabilities against the true classes.</summary>
    /// <param name="truth">Each row's true class index.</param>
    /// <param name="probabilities">Row-major probabilities, <paramref name="classes"/> per row.</param>
    /// <param name="classes">Number of classes.</param>
    public static MulticlassMetrics Compute(IReadOnlyList<int> truth, ReadOnlySpan<float> probabilities, int classes)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        MetricChecks.SameLength(truth.Count, probabilities.Length / classes);
        if (probabilities.Length != truth.Count * classes)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities are not {truth.Count} rows of {classes}.", nameof(probabilities));
        }

        var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        double logLoss = 0;
        for (var r = 0; r < truth.Count; r++)
        {
            if ((uint)truth[r] >= (uint)classes)
            {
                throw new ArgumentException($"Row {r} has class {truth[r]}, outside 0..{classes - 1}.", nameof(truth));
            }

            var row = probabilities.Slice(r * classes, classes);
            confusion[truth[r]][System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row)]++;
            logLoss -= Math.Log(MetricChecks.Clip(row[truth[r]]));
        }

        return FromConfusion(confusion, logLoss / truth.Count);
    }

    /// <summary>Scores predicted classes (no probabilities, so <see cref="LogLoss"/> is NaN).</summary>
    /// <param name="truth">Each row's true class index.</param>
    /// <param name="predicted">Each row's predicted class index.</param>
    /// <param name="classes">Number of classes.</param>
    public static MulticlassMetrics Compute(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int classes)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        MetricChecks.SameLength(truth.Count, predicted.Count);
        var confusion = Enumerable.Range(0, classes).Select(_ => new int[classes]).ToArray();
        for (var r = 0; r < truth.Count; r++)
        {
            if ((uint)truth[r] >= (uint)classes || (uint)predicted[r] >= (uint)classes)
            {
                throw new ArgumentException($"Row {r} pairs class {truth[r]} with {predicted[r]}; both must be in 0..{classes - 1}.");
            }

            confusion[truth[r]][predicted[r]]++;
        }

        return FromConfusion(confusion, double.NaN);
    }

    private static MulticlassMetrics FromConfusion(int[][] confusion, double logLoss)
    {
        var classes = confusion.Length;
        var precision = new double[classes];
        var recall = new double[classes];
        var f1 = new double[classes];
        long correct = 0, total = 0;
        double recallSum = 0, f1Sum = 0;
        int present = 0, scored = 0;
        for (var c = 0; c < classes; c++)
        {
            var truePositives = confusion[c][c];
            var actual = confusion[c].Sum();
            var predictedAs = confusion.Sum(row => row[c]);
            correct += truePositives;
            total += actual;
            precision[c] = predictedAs == 0 ? 0 : (double)truePositives / predictedAs;
            recall[c] = actual == 0 ? 0 : (double)truePositives / actual;
            f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
            if (actual > 0)
            {
                present++;
                recallSum += recall[c];
            }

            if (actual > 0 || predictedAs > 0)
            {
                scored++;
                f1Sum += f1[c];
            }
        }

        return new MulticlassMetrics
        {
            MicroAccuracy = (double)correct / total,
            MacroAccuracy = recallSum / present,
            LogLoss = logLoss,
            PerClassPrecision = precision,
            PerClassRecall = recall,
            PerClassF1 = f1,
            MacroF1 = f1Sum / scored,
            ConfusionMatrix = confusion,
        };
    }
}
