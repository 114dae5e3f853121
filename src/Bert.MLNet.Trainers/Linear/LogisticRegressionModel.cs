namespace Bert.MLNet.Trainers;

/// <summary>
/// A linear model on raw features: score <c>b_k + sum_j w_kj * x_j</c> per slot, a missing x_j counting as its
/// training mean; binary models link one score with the logistic function, multinomial ones with softmax.
/// </summary>
public sealed class LogisticRegressionModel : TrainedModel
{
    internal const string Name = "logistic-regression";

    private readonly double[] weights;
    private readonly double[] biases;
    private readonly double[] means;

    internal LogisticRegressionModel(PredictionKind kind, IReadOnlyList<string> featureNames, ClassLabels? classes, double[] weights, double[] biases, double[] means)
        : base(kind, featureNames, classes)
    {
        this.weights = weights;
        this.biases = biases;
        this.means = means;
    }

    /// <summary>Weights per slot (one slot for binary, one per class for multinomial), row-major: slot k's weights at k * features.</summary>
    public ReadOnlySpan<double> Weights => weights;

    /// <summary>The bias of each slot.</summary>
    public ReadOnlySpan<double> Biases => biases;

    /// <summary>Optimizer iterations training took (not saved with the model).</summary>
    public int Iterations { get; init; }

    /// <summary>Whether the optimizer met its tolerance before its iteration limit (not saved with the model).</summary>
    public bool Converged { get; init; }

    private protected override string TrainerName => Name;

    private protected override void PredictCore(ReadOnlySpan<float> features, Span<float> output)
    {
        var columns = means.Length;
        Span<double> scores = stackalloc double[biases.Length];
        for (var k = 0; k < biases.Length; k++)
        {
            var z = biases[k];
            var w = weights.AsSpan(k * columns, columns);
            for (var j = 0; j < columns; j++)
            {
                z += w[j] * (float.IsNaN(features[j]) ? means[j] : features[j]);
            }

            scores[k] = z;
        }

        ScoreLink.Apply(Kind, scores, output);
    }

    private protected override void WriteParameters(BinaryWriter writer)
    {
        writer.Write(biases.Length);
        writer.Write(means.Length);
        foreach (var value in biases.Concat(weights).Concat(means))
        {
            writer.Write(value);
        }
    }

    internal static LogisticRegressionModel ReadParameters(BinaryReader reader, PredictionKind kind, string[] features, ClassLabels? classes)
    {
        var slots = reader.ReadInt32();
        var columns = reader.ReadInt32();
        var expectedSlots = kind == PredictionKind.MulticlassClassification ? classes?.Count : kind == PredictionKind.BinaryClassification ? 1 : -1;
        if (slots != expectedSlots || columns != features.Length)
        {
            throw new FormatException($"{slots} x {columns} weights do not fit a {kind} model of {features.Length} features");
        }

        double[] Read(int count)
        {
            var values = new double[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = reader.ReadDouble();
            }

            return values;
        }

        var biases = Read(slots);
        var weights = Read(slots * columns);
        return new LogisticRegressionModel(kind, features, classes, weights, biases, Read(columns));
    }
}
