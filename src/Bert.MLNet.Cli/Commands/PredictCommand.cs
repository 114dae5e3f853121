using System.CommandLine;
using System.Globalization;
using System.Text;
using Bert.MLNet.Cli.Data;
using Bert.MLNet.Cli.IO;
using Microsoft.ML;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet predict</c>: a trained model's prediction for every row of a dataset, as TSV.</summary>
internal static class PredictCommand
{
    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model.zip that train wrote, or the folder it wrote it into.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = ".tsv or .csv with the model's text columns (the label may be absent).", Required = true };
        var output = new Option<string>("--output") { Description = "TSV to write: PredictedLabel and Probability.<class> per row (regression: Score).", Required = true };
        var command = new Command("predict", "Predict every row of a dataset with a trained model.") { model, dataset, output };
        command.SetAction((result, cancellation) => CommandErrors.Run(() =>
            Run(result.GetValue(model)!, result.GetValue(dataset)!, result.GetValue(output)!, cancellation)));
        return command;
    }

    internal static int Run(string modelPath, string datasetPath, string outputPath, CancellationToken cancellation)
    {
        modelPath = SavedModel.Resolve(modelPath);
        using var output = OutputFile.Create(outputPath, "--output", modelPath, datasetPath);
        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
        Console.Error.WriteLine(model.Info.BuiltWith(modelPath));
        var file = DatasetFile.Open(datasetPath);
        var scored = model.Model.Transform(model.LoadDataset(ml, file, labelColumn: null, requireLabel: false));
        var info = model.Info;
        var rows = 0;
        using (var writer = new StreamWriter(output.Stream, new UTF8Encoding(false), leaveOpen: true))
        {
            writer.WriteLine(info.IsRegression ? "Score" : string.Join('\t', ["PredictedLabel", .. info.Classes.Select(c => "Probability." + Clean(c))]));
            var line = new StringBuilder();
            foreach (var prediction in Predictions.Read(scored, info, cancellation))
            {
                line.Clear();
                if (info.IsRegression)
                {
                    line.Append(prediction.Score.ToString("R", CultureInfo.InvariantCulture));
                }
                else
                {
                    line.Append(Clean(prediction.Label!));
                    foreach (var p in prediction.Probabilities!)
                    {
                        line.Append('\t').Append(p.ToString("R", CultureInfo.InvariantCulture));
                    }
                }

                writer.WriteLine(line);
                rows++;
            }
        }

        cancellation.ThrowIfCancellationRequested();
        output.Commit();
        Console.Error.WriteLine($"predicted {rows} rows into {outputPath}");
        return 0;
    }

    // A value in one TSV cell: tabs and line breaks become spaces.
    private static string Clean(string value) => value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
