using System.Globalization;
using Bert.MLNet.Trainers;

namespace Bert.MLNet.Cli.IO;

/// <summary>Turns a feature table into training or scoring data: the label column, every other column a numeric feature.</summary>
internal static class LabeledTable
{
    /// <summary>Training data from <paramref name="table"/>; the task is the one asked for, or the one the labels imply.</summary>
    internal static (LabeledData Data, PredictionKind Task) ForTraining(DelimitedTable table, string labelColumn, string task)
    {
        var label = table.ColumnIndex(labelColumn);
        if (table.Columns.Count < 2)
        {
            throw new InvalidDataException($"{table.Source} has only the label column '{labelColumn}'; every other column is a feature, so at least one more is needed.");
        }

        var features = table.Features(table.Columns.Where((_, i) => i != label).ToArray());
        var labels = Labels(table, label);
        var kind = task.ToLowerInvariant() switch
        {
            "auto" => labels.All(IsWholeNumber) || !labels.All(IsNumber) ? (PredictionKind?)null : PredictionKind.Regression,
            "binary" => PredictionKind.BinaryClassification,
            "multiclass" => PredictionKind.MulticlassClassification,
            "regression" => PredictionKind.Regression,
            _ => throw new ArgumentException($"--task '{task}' is not one of auto, binary, multiclass, regression."),
        };
        if (kind == PredictionKind.Regression)
        {
            return (LabeledData.ForRegression(features, Targets(table, label)), PredictionKind.Regression);
        }

        var data = LabeledData.ForClassification(features, labels);
        var classes = data.Classes!.Count;
        if (classes < 2)
        {
            throw new InvalidDataException($"{table.Source}: every row of the label column '{labelColumn}' is '{labels[0]}'; classification needs at least two classes.");
        }

        return (data, kind ?? (classes == 2 ? PredictionKind.BinaryClassification : PredictionKind.MulticlassClassification));
    }

    /// <summary>The model's features from <paramref name="table"/>, and the labels too when the table has the label column.</summary>
    internal static (FeatureMatrix Features, LabeledData? Labeled) ForModel(DelimitedTable table, TrainedModel model, string? labelColumn)
    {
        var features = table.Features(model.FeatureNames);
        labelColumn ??= model.Metadata.TryGetValue("labelColumn", out var saved) ? saved : null;
        if (labelColumn is null || !table.Columns.Contains(labelColumn))
        {
            return (features, null);
        }

        var label = table.ColumnIndex(labelColumn);
        if (model.Classes is null)
        {
            return (features, LabeledData.ForRegression(features, Targets(table, label)));
        }

        var labels = Labels(table, label);
        for (var r = 0; r < labels.Length; r++)
        {
            if (model.Classes.IndexOf(labels[r]) < 0)
            {
                throw new InvalidDataException(
                    $"{table.Source}, line {table.LineOf(r)}: the label '{labels[r]}' is not one of the model's classes ({string.Join(", ", model.Classes.Names)}).");
            }
        }

        return (features, LabeledData.ForClassification(features, labels, model.Classes));
    }

    private static string[] Labels(DelimitedTable table, int column)
    {
        var labels = new string[table.RowCount];
        for (var r = 0; r < labels.Length; r++)
        {
            labels[r] = table[r, column].Trim();
            if (labels[r].Length == 0)
            {
                throw new InvalidDataException($"{table.Source}, line {table.LineOf(r)}: the label column '{table.Columns[column]}' is empty; every row needs a label.");
            }
        }

        return labels;
    }

    private static float[] Targets(DelimitedTable table, int column)
    {
        var targets = new float[table.RowCount];
        for (var r = 0; r < targets.Length; r++)
        {
            targets[r] = table.ParseNumber(r, column);
            if (float.IsNaN(targets[r]))
            {
                throw new InvalidDataException($"{table.Source}, line {table.LineOf(r)}: the regression target in '{table.Columns[column]}' is missing.");
            }
        }

        return targets;
    }

    // 3 and 3.0 alike: labels written by numeric tools are classes when every value is whole.
    private static bool IsWholeNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value == Math.Floor(value);

    private static bool IsNumber(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value);
}
