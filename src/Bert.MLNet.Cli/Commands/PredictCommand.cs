using System.CommandLine;
using System.Globalization;
using System.Text;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Trainers;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet predict</c>: a saved model's predictions for every row of a table, as CSV.</summary>
internal static class PredictCommand
{
    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file written by train.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV or TSV with the model's feature columns (other columns are ignored).", Required = true };
        var output = new Option<string>("--output") { Description = "CSV to write: the predicted label and each class's probability (or the predicted value).", Required = true };
        var command = new Command("predict", "Predict every row of a table with a saved model.") { model, data, output };
        command.SetAction((result, _) => CommandErrors.Run(() => Run(result.GetValue(model)!, result.GetValue(data)!, result.GetValue(output)!)));
        return command;
    }

    internal static int Run(string modelPath, string dataPath, string outputPath)
    {
        var model = TrainedModel.Load(modelPath);
        var table = DelimitedTable.Read(dataPath);
        var (features, _) = LabeledTable.ForModel(table, model, labelColumn: null);
        var output = model.Predict(features);
        var width = model.OutputCount;
        using var writer = new StreamWriter(outputPath, false, new UTF8Encoding(false));
        var header = model.Classes is null
            ? ["Score"]
            : new[] { "PredictedLabel" }.Concat(model.Classes.Names.Select(n => "Probability." + n));
        writer.WriteLine(string.Join(',', header.Select(Quote)));
        var line = new StringBuilder();
        for (var r = 0; r < features.Rows; r++)
        {
            line.Clear();
            var row = output.AsSpan(r * width, width);
            if (model.Classes is not null)
            {
                line.Append(Quote(model.Classes[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row)]));
            }

            foreach (var value in row)
            {
                if (line.Length > 0)
                {
                    line.Append(',');
                }

                line.Append(value.ToString("R", CultureInfo.InvariantCulture));
            }

            writer.WriteLine(line);
        }

        Console.Error.WriteLine($"predicted {features.Rows} rows into {outputPath}");
        return 0;
    }

    private static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
