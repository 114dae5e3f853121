using Microsoft.ML;

namespace Bert.MLNet.Featurization;

/// <summary>The ML.NET trainer each <see cref="SweepTrainer"/> means for each task, reading the sweep's label and features columns.</summary>
internal static class SweepTrainers
{
    /// <summary>The trainer for the task.</summary>
    internal static IEstimator<ITransformer> For(MLContext ml, SweepTask task, SweepTrainer trainer, int seed) => (task, trainer) switch
    {
        (SweepTask.Multiclass, SweepTrainer.Linear) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(SweepLabels.LabelColumn, SweepLabels.FeaturesColumn),
        (SweepTask.Multiclass, SweepTrainer.LightGbm) => ml.MulticlassClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmMulticlassTrainer.Options
            { LabelColumnName = SweepLabels.LabelColumn, FeatureColumnName = SweepLabels.FeaturesColumn, Seed = seed }),
        (SweepTask.Multiclass, _) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(featureColumnName: SweepLabels.FeaturesColumn), SweepLabels.LabelColumn),
        (SweepTask.Binary, SweepTrainer.Linear) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(SweepLabels.LabelColumn, SweepLabels.FeaturesColumn),
        (SweepTask.Binary, SweepTrainer.LightGbm) => ml.BinaryClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer.Options
            { LabelColumnName = SweepLabels.LabelColumn, FeatureColumnName = SweepLabels.FeaturesColumn, Seed = seed }),
        (SweepTask.Binary, _) => ml.BinaryClassification.Trainers.FastTree(SweepLabels.LabelColumn, SweepLabels.FeaturesColumn),
        (_, SweepTrainer.Linear) => ml.Regression.Trainers.Sdca(SweepLabels.LabelColumn, SweepLabels.FeaturesColumn),
        (_, SweepTrainer.LightGbm) => ml.Regression.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmRegressionTrainer.Options
            { LabelColumnName = SweepLabels.LabelColumn, FeatureColumnName = SweepLabels.FeaturesColumn, Seed = seed }),
        _ => ml.Regression.Trainers.FastTree(SweepLabels.LabelColumn, SweepLabels.FeaturesColumn),
    };
}
