using System.CommandLine;
using System.Text;
using System.Text.Json;
using Bert.MLNet.Cli.Data;
using Bert.MLNet.Cli.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet evaluate</c>: a trained model's metrics on a labelled dataset, by ML.NET's evaluators.</summary>
internal static class EvaluateCommand
{
    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model.zip that train wrote, or the folder it wrote it into.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Labelled .tsv or .csv with the model's text columns.", Required = true };
        var label = new Option<string?>("--label-col") { Description = "The label column (default: the one the model was trained on)." };
        var output = new Option<string?>("--output") { Description = "Write the metrics as JSON to this file (they are printed either way)." };
        var command = new Command("evaluate",
            "Score a trained model on labelled data: accuracy, macro accuracy, log-loss, per-class precision/recall/F1 and the confusion matrix (binary adds AUC and F1; regression: RMSE, MAE, R²).")
        {
            model, dataset, label, output,
        };
        command.SetAction((result, cancellation) => CommandErrors.Run(() =>
            Run(result.GetValue(model)!, result.GetValue(dataset)!, result.GetValue(label), result.GetValue(output), cancellation)));
        return command;
    }

    internal static int Run(string modelPath, string datasetPath, string? labelColumn, string? outputPath, CancellationToken cancellation = default)
    {
        modelPath = SavedModel.Resolve(modelPath);
        using var output = outputPath is null ? null : OutputFile.Create(outputPath, "--output", modelPath, datasetPath);
        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
        Console.Error.WriteLine(model.Info.BuiltWith(modelPath));
        var file = DatasetFile.Open(datasetPath);
        var data = model.LoadDataset(ml, file, labelColumn, requireLabel: true);
        var metrics = Metrics(ml, model, model.Model.Transform(data));
        cancellation.ThrowIfCancellationRequested();
        metrics["rows"] = file.Rows;
        var json = JsonSerializer.Serialize(metrics, TrainOutputs.JsonOutput);
        Console.WriteLine(json);
        if (output is not null)
        {
            output.Stream.Write(new UTF8Encoding(false).GetBytes(json));
            output.Commit();
        }

        return 0;
    }

    private static Dictionary<string, object?> Metrics(MLContext ml, SavedModel model, IDataView scored)
    {
        var info = model.Info;
        if (info.IsRegression)
        {
            var regression = ml.Regression.Evaluate(scored, "Label", "Score");
            return new() { ["task"] = info.Task, ["rmse"] = regression.RootMeanSquaredError, ["mae"] = regression.MeanAbsoluteError, ["rSquared"] = regression.RSquared };
        }

        if (info.IsBinary)
        {
            // The model's PredictedLabel holds the label's values; ML.NET's evaluator reads the trainer's Boolean.
            // Cached: the evaluator and the confusion counts below read the same rows, and the model runs once.
            var typed = ml.Data.Cache(ml.Transforms.Conversion.MapValue("PredictedLabel.Boolean",
                    [new KeyValuePair<string, bool>(info.Classes[0], false), new(info.Classes[1], true)], "PredictedLabel").Fit(scored).Transform(scored),
                "Label", "Score", "Probability", "PredictedLabel.Boolean");
            var truth = typed.GetColumn<bool>("Label").ToArray();
            var predicted = typed.GetColumn<bool>("PredictedLabel.Boolean").ToArray();
            var counts = new double[2][] { new double[2], new double[2] };
            for (var i = 0; i < truth.Length; i++)
            {
                counts[truth[i] ? 1 : 0][predicted[i] ? 1 : 0]++;
            }

            Dictionary<string, object?> result;
            if (truth.Distinct().Count() == 2)
            {
                var binary = ml.BinaryClassification.Evaluate(typed, "Label", "Score", "Probability", "PredictedLabel.Boolean");
                result = Classification(info, binary.Accuracy, binary.LogLoss, counts);
                result["auc"] = binary.AreaUnderRocCurve;
                result["f1"] = binary.F1Score;
            }
            else
            {
                // One class only: ML.NET's evaluator refuses (AUC needs both); accuracy and F1 come from the counts.
                var only = info.Classes[truth[0] ? 1 : 0];
                Console.Error.WriteLine($"warning: every row of the test set is labelled '{only}': AUC and log-loss are not defined, accuracy and F1 are");
                result = Classification(info, (counts[0][0] + counts[1][1]) / truth.Length, null, counts);
                result["auc"] = null;
                result["f1"] = ClassScores(counts, 1).F1;
            }

            result["positiveClass"] = info.Classes[1];
            return result;
        }

        // Back to keys in the model's class order, which ML.NET's evaluator compares with the key-typed label.
        var keys = ml.Data.LoadFromEnumerable(info.Classes.Select(c => new ClassName { Value = c }));
        var keyed = ml.Transforms.Conversion.MapValueToKey("PredictedLabel.Key", "PredictedLabel", keyData: keys).Fit(scored).Transform(scored);
        var multiclass = ml.MulticlassClassification.Evaluate(keyed, "Label", "Score", "PredictedLabel.Key");
        var matrix = multiclass.ConfusionMatrix.Counts.Select(row => row.ToArray()).ToArray();
        var output = Classification(info, multiclass.MicroAccuracy, multiclass.LogLoss, matrix);
        output["macroAccuracy"] = multiclass.MacroAccuracy;
        return output;
    }

    // Accuracy, log-loss, and from the confusion matrix (rows: true class, columns: predicted, in the model's class
    // order) macro accuracy (mean recall) and each class's precision, recall and F1.
    private static Dictionary<string, object?> Classification(ModelInfo info, double accuracy, double? logLoss, double[][] counts)
    {
        var perClass = info.Classes.Select((name, c) =>
        {
            var (precision, recall, f1) = ClassScores(counts, c);
            return new { @class = name, precision, recall, f1, support = (int)counts[c].Sum() };
        }).ToArray();
        return new()
        {
            ["task"] = info.Task,
            ["accuracy"] = accuracy,
            ["macroAccuracy"] = perClass.Where(c => c.support > 0).Average(c => c.recall),
            ["logLoss"] = logLoss,
            ["perClass"] = perClass,
            ["confusionMatrix"] = new { classes = info.Classes, counts = counts.Select(row => row.Select(v => (int)v).ToArray()) },
        };
    }

    // Class c's precision, recall and F1 from a confusion matrix (rows: true class, columns: predicted).
    private static (double Precision, double Recall, double F1) ClassScores(double[][] counts, int c)
    {
        var support = counts[c].Sum();
        var predicted = counts.Sum(row => row[c]);
        var precision = predicted == 0 ? 0 : counts[c][c] / predicted;
        var recall = support == 0 ? 0 : counts[c][c] / support;
        return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
    }

    private sealed class ClassName
    {
        public string Value { get; set; } = string.Empty;
    }
}
