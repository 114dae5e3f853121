using Bert.MLNet.Trainers.Linear;

namespace Bert.MLNet.Trainers;

/// <summary>
/// Logistic regression fitted with L-BFGS (OWL-QN when there is an L1 penalty): binary with one weight vector,
/// or multinomial (softmax) with one per class. Often the strongest choice on embedding features.
/// Missing values (NaN) count as the training mean of their feature.
/// </summary>
/// <param name="options">Settings; null for the defaults.</param>
public sealed class LogisticRegressionTrainer(LogisticRegressionOptions? options = null)
{
    /// <summary>The settings.</summary>
    public LogisticRegressionOptions Options { get; } = options ?? new LogisticRegressionOptions();

    /// <summary>Trains a model.</summary>
    /// <param name="training">Training examples with class labels.</param>
    /// <param name="progress">Receives a report after every optimizer iteration (the objective per row).</param>
    /// <param name="cancellation">Stops training between iterations.</param>
    public LogisticRegressionModel Fit(LabeledData training, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        Options.Validate();
        if (!training.IsClassification)
        {
            throw new ArgumentException("Logistic regression needs class labels; these are regression targets.", nameof(training));
        }

        var kind = TrainingChecks.ResolveTask(Options.Task, training, null);
        var rows = training.Count;
        var columns = training.Features.Columns;
        var slots = kind == PredictionKind.MulticlassClassification ? training.Classes!.Count : 1;
        var (means, shifts, scales) = Scaling(training.Features, Options.Standardize);
        var scaled = new float[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            var row = training.Features[r];
            for (var j = 0; j < columns; j++)
            {
                scaled[(r * columns) + j] = (float)(((float.IsNaN(row[j]) ? means[j] : row[j]) - shifts[j]) / scales[j]);
            }
        }

        var threads = Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount;
        var loss = new LogisticLoss(scaled, training.ClassIndices!, columns, slots, Options.L2Regularization, threads);
        var parameters = new double[loss.ParameterCount];
        var optimizer = new Lbfgs(Options.HistorySize, Options.Tolerance, Options.MaxIterations);
        optimizer.Minimize(
            loss.Evaluate, parameters, Options.L1Regularization, loss.Penalized(),
            progress is null ? null : (iteration, objective) => progress.Report(new TrainingProgress(iteration, Options.MaxIterations, objective / rows, null)),
            cancellation);

        // Fold the scaling into the weights, so the model works on raw features.
        var weights = new double[slots * columns];
        var biases = new double[slots];
        for (var k = 0; k < slots; k++)
        {
            var offset = k * (columns + 1);
            biases[k] = parameters[offset + columns];
            for (var j = 0; j < columns; j++)
            {
                weights[(k * columns) + j] = parameters[offset + j] / scales[j];
                biases[k] -= weights[(k * columns) + j] * shifts[j];
            }
        }

        return new LogisticRegressionModel(kind, training.Features.Names, training.Classes, weights, biases, means)
        {
            Iterations = optimizer.Iterations,
            Converged = optimizer.Converged,
        };
    }

    /// <summary>Per feature: the mean (what a missing value counts as), the shift and the scale applied before fitting.</summary>
    private static (double[] Means, double[] Shifts, double[] Scales) Scaling(FeatureMatrix features, bool standardize)
    {
        var columns = features.Columns;
        var means = new double[columns];
        var squares = new double[columns];
        var counts = new long[columns];
        for (var r = 0; r < features.Rows; r++)
        {
            var row = features[r];
            for (var j = 0; j < columns; j++)
            {
                if (!float.IsNaN(row[j]))
                {
                    means[j] += row[j];
                    counts[j]++;
                }
            }
        }

        for (var j = 0; j < columns; j++)
        {
            means[j] = counts[j] > 0 ? means[j] / counts[j] : 0;
        }

        for (var r = 0; r < features.Rows; r++)
        {
            var row = features[r];
            for (var j = 0; j < columns; j++)
            {
                if (!float.IsNaN(row[j]))
                {
                    squares[j] += (row[j] - means[j]) * (row[j] - means[j]);
                }
            }
        }

        var scales = new double[columns];
        for (var j = 0; j < columns; j++)
        {
            var deviation = counts[j] > 1 ? Math.Sqrt(squares[j] / counts[j]) : 0;
            scales[j] = standardize && deviation > 0 ? deviation : 1;
        }

        return (means, standardize ? (double[])means.Clone() : new double[columns], scales);
    }
}
