namespace Bert.MLNet.Trainers;

/// <summary>
/// Settings of <see cref="LogisticRegressionTrainer"/>. The objective is the summed log-loss plus
/// <c>L2/2 * |w|^2 + L1 * |w|_1</c> over the weights (never the biases), as in ML.NET's L-BFGS trainers, whose defaults these are.
/// </summary>
public sealed record LogisticRegressionOptions
{
    /// <summary>The task; null picks binary for two classes, multinomial for more.</summary>
    public PredictionKind? Task { get; init; }

    /// <summary>L1 penalty; above zero it drives weights to exactly zero (optimized with OWL-QN).</summary>
    public double L1Regularization { get; init; } = 1.0;

    /// <summary>L2 penalty.</summary>
    public double L2Regularization { get; init; } = 1.0;

    /// <summary>
    /// Scale every feature to mean 0 and variance 1 (from the training data) before fitting, so the penalties
    /// treat features alike and the optimizer converges fast; the model applies the same scaling when it predicts.
    /// </summary>
    public bool Standardize { get; init; } = true;

    /// <summary>Past steps L-BFGS remembers.</summary>
    public int HistorySize { get; init; } = 20;

    /// <summary>Stop when the objective's mean relative improvement over the last 5 iterations falls below this.</summary>
    public double Tolerance { get; init; } = 1e-7;

    /// <summary>Most optimizer iterations.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Threads for the loss and gradient (0: one per core).</summary>
    public int Threads { get; init; }

    internal void Validate()
    {
        TrainingChecks.Option(L1Regularization >= 0 && double.IsFinite(L1Regularization), nameof(L1Regularization), L1Regularization, "zero or more");
        TrainingChecks.Option(L2Regularization >= 0 && double.IsFinite(L2Regularization), nameof(L2Regularization), L2Regularization, "zero or more");
        TrainingChecks.Option(HistorySize >= 1, nameof(HistorySize), HistorySize, "at least 1");
        TrainingChecks.Option(Tolerance > 0, nameof(Tolerance), Tolerance, "a positive number");
        TrainingChecks.Option(MaxIterations >= 1, nameof(MaxIterations), MaxIterations, "at least 1");
        TrainingChecks.Option(Threads >= 0, nameof(Threads), Threads, "zero (all cores) or more");
    }
}
