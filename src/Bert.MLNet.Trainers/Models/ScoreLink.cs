namespace Bert.MLNet.Trainers;

/// <summary>
/// From raw scores to what a model predicts, the same for every trainer: the logistic function for binary,
/// softmax for multiclass, the score itself for regression.
/// </summary>
internal static class ScoreLink
{
    /// <summary>Raw scores to probabilities (classification) or the value (regression).</summary>
    public static void Apply(PredictionKind kind, ReadOnlySpan<double> scores, Span<float> output)
    {
        switch (kind)
        {
            case PredictionKind.Regression:
                output[0] = (float)scores[0];
                break;
            case PredictionKind.BinaryClassification:
                var p = Sigmoid(scores[0]);
                output[0] = (float)(1 - p);
                output[1] = (float)p;
                break;
            default:
                Span<double> probabilities = stackalloc double[scores.Length];
                Softmax(scores, probabilities);
                for (var k = 0; k < scores.Length; k++)
                {
                    output[k] = (float)probabilities[k];
                }

                break;
        }
    }

    public static double Sigmoid(double score) => 1 / (1 + Math.Exp(-score));

    public static void Softmax(ReadOnlySpan<double> scores, Span<double> probabilities)
    {
        var max = double.NegativeInfinity;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        double sum = 0;
        for (var k = 0; k < scores.Length; k++)
        {
            probabilities[k] = Math.Exp(scores[k] - max);
            sum += probabilities[k];
        }

        for (var k = 0; k < scores.Length; k++)
        {
            probabilities[k] /= sum;
        }
    }
}
