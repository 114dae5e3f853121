namespace Bert.MLNet.Featurization;

/// <summary>
/// A feature recipe a sweep tries: BERT hidden states (one, the last four concatenated, or first-last-avg) pooled one
/// way, ML.NET's <c>FeaturizeText</c>, or both concatenated.
/// </summary>
/// <param name="Name">How the leaderboard names it, for example <c>layer 2, mean</c> or <c>FeaturizeText + last four, cls</c>.</param>
/// <param name="Pooling">The pooling of the BERT part; null when there is none.</param>
/// <param name="Layers">The hidden states used (Hugging Face's indices); empty when there is no BERT part.</param>
/// <param name="Averaged">True for first-last-avg (layers averaged); false when they are concatenated.</param>
/// <param name="WithText">Whether ML.NET's <c>FeaturizeText</c> features are part of it.</param>
public sealed record FeatureCandidate(string Name, Pooling? Pooling, IReadOnlyList<int> Layers, bool Averaged, bool WithText)
{
    /// <summary>The <see cref="EmbeddingOptions"/> that compute the BERT part in a pipeline (<c>ApplyBertEmbedding</c>); null when there is none.</summary>
    public EmbeddingOptions? EmbeddingOptions(EmbeddingOptions basis) => Pooling is not { } pooling ? null
        : Averaged ? basis with { Pooling = Bert.MLNet.Pooling.FirstLastAverage }
        : basis with { Layers = LayerSelection.Parse(string.Join(',', Layers)), Pooling = pooling, Combine = LayerCombination.Concat };
}

/// <summary>One scored candidate: its features, trainer, cross-validated score (mean and standard deviation over folds) and time.</summary>
public sealed record LeaderboardEntry(FeatureCandidate Features, SweepTrainer Trainer, double Score, double StandardDeviation, TimeSpan Time);

/// <summary>The score of one hidden state alone, for the per-layer curve.</summary>
public sealed record LayerScore(int Layer, double Score, double StandardDeviation);

/// <summary>
/// How far a sweep is: <paramref name="Completed"/> of <paramref name="Total"/> candidate × trainer pairs scored or
/// skipped, a line saying what happened, and the entry just scored (null for the other stages).
/// </summary>
public sealed record SweepProgress(int Completed, int Total, string Message, LeaderboardEntry? Entry);

/// <summary>What a <see cref="FeaturizationSweep"/> found.</summary>
public sealed class SweepResult : IDisposable
{
    internal SweepResult(SweepTask task, string metric, IReadOnlyList<string> classes, IReadOnlyList<LeaderboardEntry> leaderboard,
        IReadOnlyList<LayerScore> layerCurve, Microsoft.ML.ITransformer model, int skipped, int textsEmbedded, TimeSpan embeddingTime, TimeSpan sweepTime,
        TimeSpan refitTime)
    {
        Task = task;
        MetricName = metric;
        Classes = classes;
        Leaderboard = leaderboard;
        LayerCurve = layerCurve;
        Model = model;
        Skipped = skipped;
        TextsEmbedded = textsEmbedded;
        EmbeddingTime = embeddingTime;
        SweepTime = sweepTime;
        RefitTime = refitTime;
    }

    /// <summary>The BERT the features came from: its known name, or its folder's name (<see cref="BertModel.Name"/>).</summary>
    public string ModelName { get; internal init; } = string.Empty;

    /// <summary>The SHA-256 of the BERT's ONNX file (<see cref="BertModel.Fingerprint"/>).</summary>
    public string ModelFingerprint { get; internal init; } = string.Empty;

    /// <summary>The task the sweep learned.</summary>
    public SweepTask Task { get; }

    /// <summary>The score the leaderboard ranks by: micro accuracy (multiclass), accuracy (binary) or R² (regression); higher is better.</summary>
    public string MetricName { get; }

    /// <summary>
    /// The label's values in the order of the model's scores: binary, the negative then the positive value; multiclass,
    /// the <c>Score</c> vector's order (first appearance in the data); empty for regression.
    /// </summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Every candidate scored, best first.</summary>
    public IReadOnlyList<LeaderboardEntry> Leaderboard { get; }

    /// <summary>The best candidate.</summary>
    public LeaderboardEntry Best => Leaderboard[0];

    /// <summary>
    /// The score of each hidden state alone, with the pooling and trainer of the best candidate that has BERT features:
    /// the question the "every layer" articles ask, answered for this data. Empty when no single layer was scored
    /// within the time budget.
    /// </summary>
    public IReadOnlyList<LayerScore> LayerCurve { get; }

    /// <summary>The best candidate's pipeline fitted on all the data: raw text and label columns in, predictions out; an ordinary ML.NET model.</summary>
    public Microsoft.ML.ITransformer Model { get; }

    /// <summary>Candidates not reached within the time budget.</summary>
    public int Skipped { get; }

    /// <summary>Distinct texts the model ran during the sweep (each once, whatever the number of candidates and folds).</summary>
    public int TextsEmbedded { get; }

    /// <summary>
    /// Rows' texts (each text of a pair counted) longer than the encoding length, which the features saw only the start
    /// of; 0 with <see cref="LongTextHandling.Window"/>.
    /// </summary>
    public int TextsTruncated { get; internal init; }

    /// <summary>Time spent computing embeddings for the candidates.</summary>
    public TimeSpan EmbeddingTime { get; }

    /// <summary>Time spent cross-validating candidates.</summary>
    public TimeSpan SweepTime { get; }

    /// <summary>Time spent fitting the best candidate's pipeline on all the data.</summary>
    public TimeSpan RefitTime { get; }

    /// <summary>Frees the refitted model's ONNX Runtime session.</summary>
    public void Dispose() => (Model as IDisposable)?.Dispose();
}
