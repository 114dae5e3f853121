namespace Bert.MLNet.Trainers;

/// <summary>
/// Settings of <see cref="BoostedTreeTrainer"/>. The defaults are FastTree's: 100 trees of 20 leaves, learning
/// rate 0.2, at least 10 examples per leaf, features binned into at most 255 quantile bins.
/// </summary>
public sealed record BoostedTreeOptions
{
    /// <summary>The task; null picks it from the data (regression targets, or two or more classes).</summary>
    public PredictionKind? Task { get; init; }

    /// <summary>Boosting rounds. Multiclass grows one tree per class per round.</summary>
    public int Trees { get; init; } = 100;

    /// <summary>Most leaves per tree; trees grow leaf-wise, always splitting the leaf that gains most.</summary>
    public int Leaves { get; init; } = 20;

    /// <summary>Shrinkage applied to every leaf value.</summary>
    public double LearningRate { get; init; } = 0.2;

    /// <summary>Fewest training examples a leaf may hold.</summary>
    public int MinExamplesPerLeaf { get; init; } = 10;

    /// <summary>L2 penalty on leaf values: a leaf's value is -G / (H + this), G and H its sums of gradients and hessians.</summary>
    public double L2Regularization { get; init; } = 1.0;

    /// <summary>Smallest loss reduction a split must bring.</summary>
    public double MinSplitGain { get; init; }

    /// <summary>Share of rows each tree sees, drawn anew per round (1: all).</summary>
    public double RowFraction { get; init; } = 1.0;

    /// <summary>Share of features each tree may split on, drawn anew per round (1: all).</summary>
    public double FeatureFraction { get; init; } = 1.0;

    /// <summary>Most value bins per feature (at most 255); missing values get a bin of their own.</summary>
    public int MaxBins { get; init; } = 255;

    /// <summary>Rounds without improvement on the validation set before training stops; the best round is kept. 0 turns it off.</summary>
    public int EarlyStoppingRounds { get; init; } = 10;

    /// <summary>Threads for histograms and split search (0: one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Seed of the row and feature sampling and of the binning sample.</summary>
    public int Seed { get; init; }

    internal void Validate()
    {
        TrainingChecks.Option(Trees >= 1, nameof(Trees), Trees, "at least 1");
        TrainingChecks.Option(Leaves >= 2, nameof(Leaves), Leaves, "at least 2");
        TrainingChecks.Option(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "a positive number");
        TrainingChecks.Option(MinExamplesPerLeaf >= 1, nameof(MinExamplesPerLeaf), MinExamplesPerLeaf, "at least 1");
        TrainingChecks.Option(L2Regularization >= 0 && double.IsFinite(L2Regularization), nameof(L2Regularization), L2Regularization, "zero or more");
        TrainingChecks.Option(MinSplitGain >= 0 && double.IsFinite(MinSplitGain), nameof(MinSplitGain), MinSplitGain, "zero or more");
        TrainingChecks.Option(RowFraction > 0 && RowFraction <= 1, nameof(RowFraction), RowFraction, "in (0, 1]");
        TrainingChecks.Option(FeatureFraction > 0 && FeatureFraction <= 1, nameof(FeatureFraction), FeatureFraction, "in (0, 1]");
        TrainingChecks.Option(MaxBins is >= 2 and <= Bert.MLNet.Trainers.Trees.FeatureBins.MaxValueBins, nameof(MaxBins), MaxBins, "between 2 and 255");
        TrainingChecks.Option(EarlyStoppingRounds >= 0, nameof(EarlyStoppingRounds), EarlyStoppingRounds, "zero or more");
        TrainingChecks.Option(Threads >= 0, nameof(Threads), Threads, "zero (all cores) or more");
    }
}
