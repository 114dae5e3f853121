namespace Bert.MLNet.Trainers;

/// <summary>
/// A trained predictor over float feature vectors. Classification models give one probability per class
/// (in <see cref="Classes"/> order); regression models give one value. Saved models reload to identical predictions.
/// </summary>
public abstract partial class TrainedModel
{
    private protected TrainedModel(PredictionKind kind, IReadOnlyList<string> featureNames, ClassLabels? classes)
    {
        if (kind != PredictionKind.Regression && (classes is null || classes.Count < 2))
        {
            throw new ArgumentException("A classification model needs two or more classes.", nameof(classes));
        }

        Kind = kind;
        FeatureNames = featureNames.ToArray();
        Classes = kind == PredictionKind.Regression ? null : classes;
    }

    /// <summary>What the model predicts.</summary>
    public PredictionKind Kind { get; }

    /// <summary>The classes, in the order of the probabilities; null for regression.</summary>
    public ClassLabels? Classes { get; }

    /// <summary>Names of the features the model expects, in order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Free-form facts kept with the model file (for example the label column it was trained on).</summary>
    public IDictionary<string, string> Metadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Values per prediction: the number of classes, or 1 for regression.</summary>
    public int OutputCount => Classes?.Count ?? 1;

    /// <summary>Predicts one example: class probabilities or the regression value into <paramref name="output"/>.</summary>
    /// <param name="features">The example's features, <see cref="FeatureNames"/> long; NaN is a missing value.</param>
    /// <param name="output">Receives <see cref="OutputCount"/> values.</param>
    public void Predict(ReadOnlySpan<float> features, Span<float> output)
    {
        if (features.Length != FeatureNames.Count)
        {
            throw new ArgumentException($"The model takes {FeatureNames.Count} features; {features.Length} were given.", nameof(features));
        }

        if (output.Length < OutputCount)
        {
            throw new ArgumentException($"The output needs room for {OutputCount} values.", nameof(output));
        }

        PredictCore(features, output[..OutputCount]);
    }

    /// <summary>Predicts every row, in parallel; row r's values are at r * <see cref="OutputCount"/>.</summary>
    /// <param name="features">One row per example.</param>
    public float[] Predict(FeatureMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Columns != FeatureNames.Count)
        {
            throw new ArgumentException($"The model takes {FeatureNames.Count} features; the data has {features.Columns}.", nameof(features));
        }

        var width = OutputCount;
        var output = new float[features.Rows * width];
        RowBlocks.For(features.Rows, 256, 0, (start, end) =>
        {
            for (var r = start; r < end; r++)
            {
                PredictCore(features[r], output.AsSpan(r * width, width));
            }
        });
        return output;
    }

    /// <summary>The most probable class of each row (ties to the lower index); classification models only.</summary>
    /// <param name="features">One row per example.</param>
    public int[] PredictClasses(FeatureMatrix features)
    {
        if (Classes is null)
        {
            throw new InvalidOperationException("A regression model predicts values, not classes.");
        }

        var probabilities = Predict(features);
        var classes = new int[features.Rows];
        for (var r = 0; r < classes.Length; r++)
        {
            classes[r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(probabilities.AsSpan(r * Classes.Count, Classes.Count));
        }

        return classes;
    }

    /// <summary>The trainer's name in model files.</summary>
    private protected abstract string TrainerName { get; }

    /// <summary>Predicts one example whose length is already checked.</summary>
    private protected abstract void PredictCore(ReadOnlySpan<float> features, Span<float> output);

    /// <summary>Writes the trainer's own parameters.</summary>
    private protected abstract void WriteParameters(BinaryWriter writer);
}
