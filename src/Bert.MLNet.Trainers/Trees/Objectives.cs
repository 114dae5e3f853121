using System.Runtime.CompilerServices;

namespace Bert.MLNet.Trainers.Trees;

/// <summary>Starting scores, gradients and losses of the three boosting tasks.</summary>
internal static class Objectives
{
    private const double MinHessian = 1e-16;
    private const int BlockRows = 4096;

    /// <summary>The starting score per slot: the log-odds of the positive rate, log class priors, or the mean target.</summary>
    public static double[] BaseScores(PredictionKind kind, LabeledData data, int slots)
    {
        switch (kind)
        {
            case PredictionKind.Regression:
                return [data.Targets!.Average(t => (double)t)];
            case PredictionKind.BinaryClassification:
                var rate = Math.Clamp(data.ClassIndices!.Average(), 1e-6, 1 - 1e-6);
                return [Math.Log(rate / (1 - rate))];
            default:
                var counts = new double[slots];
                foreach (var c in data.ClassIndices!)
                {
                    counts[c]++;
                }

                return counts.Select(c => Math.Log(Math.Max(c / data.Count, 1e-6))).ToArray();
        }
    }

    /// <summary>Gradient and hessian of every row for every slot, given scores laid out row-major by slot.</summary>
    public static void Gradients(PredictionKind kind, LabeledData data, double[] scores, int slots, double[][] gradients, double[][] hessians, int threads)
    {
        RowBlocks.For(data.Count, BlockRows, threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) =>
        {
            Span<double> probabilities = stackalloc double[slots];
            for (var r = start; r < end; r++)
            {
                switch (kind)
                {
                    case PredictionKind.Regression:
                        gradients[0][r] = scores[r] - data.Targets![r];
                        hessians[0][r] = 1;
                        break;
                    case PredictionKind.BinaryClassification:
                        var p = ScoreLink.Sigmoid(scores[r]);
                        gradients[0][r] = p - data.ClassIndices![r];
                        hessians[0][r] = Math.Max(p * (1 - p), MinHessian);
                        break;
                    default:
                        ScoreLink.Softmax(scores.AsSpan(r * slots, slots), probabilities);
                        for (var k = 0; k < slots; k++)
                        {
                            var pk = probabilities[k];
                            gradients[k][r] = pk - (data.ClassIndices![r] == k ? 1 : 0);
                            hessians[k][r] = Math.Max(pk * (1 - pk), MinHessian);
                        }

                        break;
                }
            }
        });
    }

    /// <summary>Mean log-loss (classification) or root mean squared error (regression) of scores laid out row-major by slot.</summary>
    public static double Loss(PredictionKind kind, LabeledData data, double[] scores, int slots, int threads)
    {
        // Fixed blocks summed in order: the same result on any number of threads.
        var blocks = new double[RowBlocks.Count(data.Count, BlockRows)];
        RowBlocks.For(data.Count, BlockRows, threads, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, end) =>
        {
            Span<double> probabilities = stackalloc double[slots];
            double total = 0;
            for (var r = start; r < end; r++)
            {
                switch (kind)
                {
                    case PredictionKind.Regression:
                        var error = scores[r] - data.Targets![r];
                        total += error * error;
                        break;
                    case PredictionKind.BinaryClassification:
                        var p = ScoreLink.Sigmoid(scores[r]);
                        total -= Math.Log(Math.Max(data.ClassIndices![r] == 1 ? p : 1 - p, MetricChecks.ProbabilityFloor));
                        break;
                    default:
                        ScoreLink.Softmax(scores.AsSpan(r * slots, slots), probabilities);
                        total -= Math.Log(Math.Max(probabilities[data.ClassIndices![r]], MetricChecks.ProbabilityFloor));
                        break;
                }
            }

            blocks[start / BlockRows] = total;
        });
        var sum = blocks.Sum();
        return kind == PredictionKind.Regression ? Math.Sqrt(sum / data.Count) : sum / data.Count;
    }
}
