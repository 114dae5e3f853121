using System.CommandLine;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Trainers;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet evaluate</c>: a saved model's metrics on a labeled table.</summary>
internal static class EvaluateCommand
{
    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file written by train.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV or TSV with the model's feature columns and the label column.", Required = true };
        var label = new Option<string?>("--label-column") { Description = "The label column (default: the one the model was trained on)." };
        var output = new Option<string?>("--output") { Description = "Also write the metrics as JSON to this file." };
        var command = new Command("evaluate", "Score a saved model on labeled data: accuracy, macro accuracy, log-loss, AUC, F1 (or RMSE, MAE, R² for regression).")
        {
            model, data, label, output,
        };
        command.SetAction((result, _) => CommandErrors.Run(() =>
            Run(result.GetValue(model)!, result.GetValue(data)!, result.GetValue(label), result.GetValue(output))));
        return command;
    }

    internal static int Run(string modelPath, string dataPath, string? labelColumn, string? outputPath)
    {
        var model = TrainedModel.Load(modelPath);
        var table = DelimitedTable.Read(dataPath);
        var (_, labeled) = LabeledTable.ForModel(table, model, labelColumn);
        if (labeled is null)
        {
            var name = labelColumn ?? (model.Metadata.TryGetValue("labelColumn", out var saved) ? saved : "(unknown)");
            throw new ArgumentException($"{dataPath} has no label column '{name}' to evaluate against; name it with --label-column.");
        }

        var evaluation = Scoring.Evaluate(model, labeled);
        using (var stdout = Console.OpenStandardOutput())
        {
            Scoring.WriteJson(evaluation, stdout);
        }

        Console.WriteLine();
        if (outputPath is not null)
        {
            using var file = File.Create(outputPath);
            Scoring.WriteJson(evaluation, file);
        }

        Console.Error.WriteLine($"{labeled.Count} rows: {Scoring.Summary(evaluation)}");
        return 0;
    }
}
