using System.CommandLine;
using System.Globalization;
using System.Text;
using Bert.MLNet.Cli.Data;
using Bert.MLNet.Cli.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet predict</c>: a trained model's prediction for every row of a dataset, as TSV.</summary>
internal static class PredictCommand
{
    internal static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model.zip that train wrote.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = ".tsv or .csv with the model's text columns (the label may be absent).", Required = true };
        var output = new Option<string>("--output") { Description = "TSV to write: PredictedLabel and Probability.<class> per row (regression: Score).", Required = true };
        var command = new Command("predict", "Predict every row of a dataset with a trained model.") { model, dataset, output };
        command.SetAction((result, cancellation) => CommandErrors.Run(() =>
            Run(result.GetValue(model)!, result.GetValue(dataset)!, result.GetValue(output)!, cancellation)));
        return command;
    }

    internal static int Run(string modelPath, string datasetPath, string outputPath, CancellationToken cancellation)
    {
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
            using var cursor = scored.GetRowCursor(scored.Schema.Where(c => c.Name is "PredictedLabel" or "Score" or "Probability"));
            var score = info.IsRegression ? cursor.GetGetter<float>(cursor.Schema["Score"]) : null;
            var vector = info.IsRegression || info.IsBinary ? null : cursor.GetGetter<VBuffer<float>>(cursor.Schema["Score"]);
            var probability = info.IsBinary ? cursor.GetGetter<float>(cursor.Schema["Probability"]) : null;
            var label = info.IsRegression ? null : cursor.GetGetter<ReadOnlyMemory<char>>(cursor.Schema["PredictedLabel"]);
            var line = new StringBuilder();
            float value = 0;
            VBuffer<float> values = default;
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                cancellation.ThrowIfCancellationRequested();
                line.Clear();
                if (info.IsRegression)
                {
                    score!(ref value);
                    line.Append(value.ToString("R", CultureInfo.InvariantCulture));
                }
                else
                {
                    label!(ref text);
                    line.Append(Clean(text.ToString()));
                    if (probability is not null)
                    {
                        probability(ref value);
                        line.Append(CultureInfo.InvariantCulture, $"\t{1 - value:R}\t{value:R}");
                    }
                    else
                    {
                        vector!(ref values);
                        foreach (var p in values.DenseValues())
                        {
                            line.Append('\t').Append(p.ToString("R", CultureInfo.InvariantCulture));
                        }
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
