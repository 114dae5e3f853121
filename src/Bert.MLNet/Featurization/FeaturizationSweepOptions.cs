namespace Bert.MLNet.Featurization;

/// <summary>What a <see cref="FeaturizationSweep"/> learns to predict.</summary>
public enum SweepTask
{
    /// <summary>From the label column: Boolean or two text values → binary; more text values → multiclass; numbers → regression.</summary>
    Auto,

    /// <summary>Two classes (a Boolean label, or a text label with two values).</summary>
    Binary,

    /// <summary>Several classes (a text label).</summary>
    Multiclass,

    /// <summary>A number (a Single or Double label).</summary>
    Regression,
}

/// <summary>The ML.NET trainers a sweep tries on each feature candidate.</summary>
public enum SweepTrainer
{
    /// <summary>A linear model on standardized features: <c>LbfgsMaximumEntropy</c>, <c>LbfgsLogisticRegression</c> or <c>Sdca</c> regression.</summary>
    Linear,

    /// <summary>ML.NET's <c>LightGbm</c> boosted trees.</summary>
    LightGbm,

    /// <summary>ML.NET's <c>FastTree</c> boosted trees (one versus all for several classes).</summary>
    FastTree,
}

/// <summary>
/// What a <see cref="FeaturizationSweep"/> tries: which poolings and trainers, how it scores them and how long it may
/// take. The layers are not chosen: every hidden state alone, the last four concatenated and (with mean pooling)
/// first-last-avg are always candidates, besides ML.NET's <c>FeaturizeText</c> alone and with BERT features.
/// </summary>
public sealed record FeaturizationSweepOptions
{
    /// <summary>The label column (text, Boolean or number).</summary>
    public required string LabelColumnName { get; init; }

    /// <summary>The text column.</summary>
    public required string TextColumnName { get; init; }

    /// <summary>
    /// A second text column: each row is then a pair of texts, and every BERT candidate's features are those of
    /// <see cref="BertCatalog.ComputePairFeatures"/> — <c>[u, v, |u − v|, u ∘ v, cos(u, v)]</c> of the two texts' vectors
    /// (FeaturizeText featurizes both texts). Null (the default): one text per row.
    /// </summary>
    public string? SecondTextColumnName { get; init; }

    /// <summary>The task; <see cref="SweepTask.Auto"/> (the default) infers it from the label.</summary>
    public SweepTask Task { get; init; } = SweepTask.Auto;

    /// <summary>Poolings to try (default mean, CLS, max). Every one comes from the same model run.</summary>
    public IReadOnlyList<Pooling> Poolings { get; init; } = [Pooling.Mean, Pooling.Cls, Pooling.Max];

    /// <summary>Trainers to try (default linear, LightGbm, FastTree), cheapest first.</summary>
    public IReadOnlyList<SweepTrainer> Trainers { get; init; } = [SweepTrainer.Linear, SweepTrainer.LightGbm, SweepTrainer.FastTree];

    /// <summary>Folds of ML.NET's cross-validation (default 5, at least 2).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>
    /// A column whose rows stay together in one fold (ML.NET's <c>samplingKeyColumnName</c>), for rows that are not
    /// independent: chunks of one document, several texts of one author. Without it, chunks of one document sit in the
    /// training and the test folds alike, and the scores favour features that recognize documents. Text or a number;
    /// null (the default): every row on its own.
    /// </summary>
    public string? GroupColumnName { get; init; }

    /// <summary>
    /// The time the candidates may take; null for no limit. It is checked before each candidate (a candidate in training
    /// runs to its end); candidates not reached are reported as skipped.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Also try ML.NET's <c>FeaturizeText</c> alone and concatenated with the best BERT features (default true).</summary>
    public bool IncludeTextBaselines { get; init; } = true;

    /// <summary>
    /// How close (in the metric's units) <c>FeaturizeText</c> alone must come to the best BERT features with the same
    /// trainer for the two concatenated to be scored; default 0.10 (ten points of accuracy). Far below, n-grams have not
    /// added to BERT features in our measurements (WordNet topics: FeaturizeText 52%, BERT 85%, both 85%), while the
    /// concatenation costs a linear trainer ten times the time of the BERT features alone, and its refit as much again.
    /// Null scores the concatenation whatever FeaturizeText scores.
    /// </summary>
    public double? CombinedTextMargin { get; init; } = 0.10;

    /// <summary>Encoding length, long-text handling and batching for the embeddings (layers, pooling and combination are the sweep's).</summary>
    public EmbeddingOptions Embedding { get; init; } = new();

    /// <summary>Seed of the folds and trainers.</summary>
    public int Seed { get; init; } = 1;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(LabelColumnName);
        ArgumentException.ThrowIfNullOrEmpty(TextColumnName);
        if (SecondTextColumnName is not null && (SecondTextColumnName.Length == 0 || SecondTextColumnName == TextColumnName))
        {
            throw BertErrors.Invalid(nameof(SecondTextColumnName),
                $"{nameof(SecondTextColumnName)} is '{SecondTextColumnName}'; name a second text column other than '{TextColumnName}', or leave it null.");
        }

        if (GroupColumnName is not null && (GroupColumnName.Length == 0 || GroupColumnName == LabelColumnName || GroupColumnName == TextColumnName
            || GroupColumnName == SecondTextColumnName))
        {
            throw BertErrors.Invalid(nameof(GroupColumnName),
                $"{nameof(GroupColumnName)} is '{GroupColumnName}'; name a column other than the label and the texts, or leave it null.");
        }

        if (CombinedTextMargin is < 0 or double.NaN)
        {
            throw BertErrors.Option(nameof(CombinedTextMargin), CombinedTextMargin, "0 or more, or null");
        }

        if (Folds < 2)
        {
            throw BertErrors.Option(nameof(Folds), Folds, "at least 2 (cross-validation needs two folds or more)");
        }

        if (Poolings.Count == 0 || Poolings.Any(p => p is Pooling.None or Pooling.FirstLastAverage))
        {
            throw BertErrors.Invalid(nameof(Poolings),
                $"{nameof(Poolings)} must name one or more of Mean, Cls, Max, MeanSqrtLen (first-last-avg is tried with Mean); got [{string.Join(", ", Poolings)}].");
        }

        if (Trainers.Count == 0)
        {
            throw BertErrors.Invalid(nameof(Trainers), $"{nameof(Trainers)} is empty; name one or more trainers.");
        }

        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
        {
            throw BertErrors.Option(nameof(TimeBudget), budget, "a positive time or null");
        }
    }
}
