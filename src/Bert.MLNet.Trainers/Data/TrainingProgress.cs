namespace Bert.MLNet.Trainers;

/// <summary>How far training is.</summary>
/// <param name="Iteration">Boosting rounds or optimizer iterations done.</param>
/// <param name="MaxIterations">The most there will be (training may stop earlier).</param>
/// <param name="TrainingLoss">Loss on the training set (log-loss, or squared error for regression), when known.</param>
/// <param name="ValidationLoss">Loss on the validation set, when there is one.</param>
public readonly record struct TrainingProgress(int Iteration, int MaxIterations, double TrainingLoss, double? ValidationLoss);
