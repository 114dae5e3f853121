namespace Bert.MLNet.Trainers;

/// <summary>How far training is.</summary>
/// <param name="Iteration">Boosting rounds or optimizer iterations done.</param>
/// <param name="MaxIterations">The most there will be (training may stop earlier).</param>
/// <param name="TrainingLoss">Loss on the training set: mean log-loss for classification, root mean squared error for regression (logistic regression: the mean objective, penalties included).</param>
/// <param name="ValidationLoss">The same loss on the validation set, when there is one.</param>
public readonly record struct TrainingProgress(int Iteration, int MaxIterations, double TrainingLoss, double? ValidationLoss);
