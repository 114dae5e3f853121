using System.Globalization;
using System.Text;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Featurization;
using Spectre.Console;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// The files <c>train</c> writes besides the model: <c>leaderboard.csv</c>, <c>layers.png</c> (the per-layer chart),
/// <c>metrics.json</c> and <c>ModelConsumption.cs</c>; written into the staging folder of an <see cref="IO.OutputFolder"/>,
/// which puts them in the output folder's place at once, so a failed or cancelled run leaves no partial files there.
/// </summary>
internal static class TrainOutputs
{
    internal const string ModelFile = "model.zip";
    internal const string LeaderboardFile = "leaderboard.csv";
    internal const string ChartFile = "layers.png";
    internal const string MetricsFile = "metrics.json";
    internal const string CodeFile = "ModelConsumption.cs";

    /// <summary>Indented JSON that keeps non-ASCII text and symbols readable.</summary>
    /// <summary>The JSON the tool writes: indented, and a metric that is not a finite number (R² of a constant label) as null.</summary>
    internal static readonly JsonSerializerOptions JsonOutput = new()
    {
        WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Converters = { new FiniteOrNull() },
    };

    internal static string TaskName(SweepTask task) => task.ToString().ToLowerInvariant();

    internal static void Write(string folder, SweepResult result, DatasetFile file, TrainSettings settings, ModelInfo info, TimeSpan elapsed)
    {
        WriteLeaderboard(Path.Combine(folder, LeaderboardFile), result);
        LayerChart.Write(Path.Combine(folder, ChartFile), result);
        WriteMetrics(Path.Combine(folder, MetricsFile), result, file, settings, elapsed);
        File.WriteAllText(Path.Combine(folder, CodeFile), ConsumptionCode.Generate(file.Columns, info), new UTF8Encoding(false));
    }

    /// <summary>The leaderboard as a table: the best 15 entries, and every FeaturizeText entry for comparison.</summary>
    internal static void PrintLeaderboard(IAnsiConsole console, SweepResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"leaderboard: {result.MetricName}, {result.Leaderboard.Count} candidates");
        table.AddColumn("#", c => c.RightAligned()).AddColumn("features").AddColumn("trainer")
            .AddColumn(result.MetricName, c => c.RightAligned()).AddColumn("±", c => c.RightAligned()).AddColumn("seconds", c => c.RightAligned());
        for (var rank = 0; rank < result.Leaderboard.Count; rank++)
        {
            var entry = result.Leaderboard[rank];
            if (rank >= 15 && !entry.Features.WithText)
            {
                continue;
            }

            var name = Markup.Escape(entry.Features.Name);
            table.AddRow((rank + 1).ToString(CultureInfo.InvariantCulture), rank == 0 ? $"[bold green]{name}[/]" : entry.Features.Pooling is null ? $"[yellow]{name}[/]" : name,
                entry.Trainer.ToString(), entry.Score.ToString("F4", CultureInfo.InvariantCulture), entry.StandardDeviation.ToString("F4", CultureInfo.InvariantCulture),
                entry.Time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }

    private static void WriteLeaderboard(string path, SweepResult result)
    {
        var text = new StringBuilder("rank,features,pooling,layers,featurizeText,trainer,metric,score,standardDeviation,seconds\n");
        for (var rank = 0; rank < result.Leaderboard.Count; rank++)
        {
            var e = result.Leaderboard[rank];
            text.Append(CultureInfo.InvariantCulture,
                $"{rank + 1},{Csv(e.Features.Name)},{PoolingName(e.Features)},{Csv(string.Join(' ', e.Features.Layers))},{(e.Features.WithText ? "true" : "false")}," +
                $"{e.Trainer},{Csv(result.MetricName)},{e.Score:R},{e.StandardDeviation:R},{e.Time.TotalSeconds:F3}\n");
        }

        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    private static void WriteMetrics(string path, SweepResult result, DatasetFile file, TrainSettings settings, TimeSpan elapsed)
    {
        var best = result.Best;
        var baseline = result.Leaderboard.Where(e => e.Features.Name == "FeaturizeText" && e.Trainer == best.Trainer).Select(Entry).FirstOrDefault();
        var metrics = new Dictionary<string, object?>
        {
            ["task"] = TaskName(result.Task),
            ["metric"] = result.MetricName,
            ["dataset"] = file.Path,
            ["rows"] = file.Rows,
            ["labelColumn"] = settings.LabelColumn,
            ["textColumns"] = settings.SecondTextColumn is { } second ? new[] { settings.TextColumn, second } : [settings.TextColumn],
            ["classes"] = result.Classes,
            ["folds"] = settings.Folds,
            ["model"] = settings.Model,
            ["best"] = Entry(best),
            ["featurizeTextBaseline"] = baseline,
            ["layerCurve"] = result.LayerCurve.Select(l => new { layer = l.Layer, score = l.Score, standardDeviation = l.StandardDeviation }),
            ["candidatesScored"] = result.Leaderboard.Count,
            ["candidatesSkipped"] = result.Skipped,
            ["textsEmbedded"] = result.TextsEmbedded,
            ["seconds"] = new
            {
                embedding = result.EmbeddingTime.TotalSeconds, sweep = result.SweepTime.TotalSeconds, refit = result.RefitTime.TotalSeconds, total = elapsed.TotalSeconds,
            },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(metrics, JsonOutput), new UTF8Encoding(false));
    }

    private static object Entry(LeaderboardEntry e) => new
    {
        features = e.Features.Name, trainer = e.Trainer.ToString(), score = e.Score, standardDeviation = e.StandardDeviation, seconds = e.Time.TotalSeconds,
    };

    private static string PoolingName(FeatureCandidate features) => features.Pooling switch
    {
        null => string.Empty,
        _ when features.Averaged => "first-last-avg",
        { } p => FeaturizationSweep.PoolingName(p),
    };

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private sealed class FiniteOrNull : System.Text.Json.Serialization.JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
