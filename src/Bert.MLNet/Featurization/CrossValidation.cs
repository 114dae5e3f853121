using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Featurization;

/// <summary>How the sweep scores a candidate: ML.NET's k-fold split, each fold scored the way its task is.</summary>
internal static class CrossValidation
{
    /// <summary>
    /// The task's score on each fold of ML.NET's cross-validation split (<c>CrossValidationSplit</c>, the folds
    /// ML.NET's <c>CrossValidate</c> uses; rows of one group stay in one fold when <paramref name="grouped"/>).
    /// Classification is scored by the share of the fold's rows predicted right: ML.NET's evaluators would also compute
    /// AUC or log-loss, and fail on a fold that holds one class only. Regression is ML.NET's R². A fold with no rows
    /// is not scored.
    /// </summary>
    internal static List<double> Scores(MLContext ml, SweepTask task, IDataView view, IEstimator<ITransformer> pipeline, int folds, int seed, bool grouped)
    {
        var scores = new List<double>();
        foreach (var split in ml.Data.CrossValidationSplit(view, folds, grouped ? SweepLabels.GroupColumn : null, seed))
        {
            var scored = pipeline.Fit(split.TrainSet).Transform(split.TestSet);
            var score = task switch
            {
                SweepTask.Regression => !split.TestSet.GetColumn<float>(SweepLabels.LabelColumn).Any() ? double.NaN : ml.Regression.Evaluate(scored, SweepLabels.LabelColumn).RSquared,
                SweepTask.Binary => ShareRight(split.TestSet.GetColumn<bool>(SweepLabels.LabelColumn), scored.GetColumn<bool>("PredictedLabel")),
                _ => ShareRight(split.TestSet.GetColumn<string>(SweepLabels.LabelColumn), scored.GetColumn<string>("PredictedLabel")),
            };
            if (!double.IsNaN(score))
            {
                scores.Add(score);
            }
        }

        return scores;
    }

    // The share of rows whose prediction equals the label (the test fold and its scored view, row for row); NaN for none.
    private static double ShareRight<T>(IEnumerable<T> labels, IEnumerable<T> predicted)
    {
        var (rows, right) = (0, 0);
        foreach (var (label, prediction) in labels.Zip(predicted))
        {
            rows++;
            right += EqualityComparer<T>.Default.Equals(label, prediction) ? 1 : 0;
        }

        return rows == 0 ? double.NaN : (double)right / rows;
    }
}
