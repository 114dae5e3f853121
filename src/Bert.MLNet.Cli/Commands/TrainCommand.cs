using System.CommandLine;
using System.Diagnostics;
using Bert.MLNet.Cli.Data;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Featurization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace Bert.MLNet.Cli.Commands;

/// <summary>
/// <c>bert-mlnet train</c>: a model builder. Reads a labelled TSV/CSV, sweeps BERT layers × poolings × ML.NET trainers
/// against ML.NET's FeaturizeText (<see cref="FeaturizationSweep"/>), refits the best on all rows and writes the model,
/// the leaderboard, the per-layer chart, the metrics and C# code that uses the model.
/// </summary>
internal static class TrainCommand
{
    internal static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "Labelled .tsv or .csv with a header line.", Required = true };
        var label = new Option<string>("--label-col") { Description = "The column to predict.", Required = true };
        var text = new Option<string>("--text-col") { Description = "The text column.", Required = true };
        var text2 = new Option<string?>("--text-col2") { Description = "A second text column: rows are sentence pairs, featurized as [u, v, |u-v|, u*v, cos]." };
        var task = new Option<string>("--task")
        {
            Description = "auto (text labels: binary with two values, else multiclass; numbers: regression, binary with two values), binary, multiclass or regression.",
            DefaultValueFactory = _ => "auto",
        };
        var model = ModelOption.Create();
        var minutes = new Option<double?>("--max-minutes") { Description = "Time budget for scoring candidates; those not reached are skipped (default: no limit)." };
        var folds = new Option<int>("--folds") { Description = "Folds of the cross-validation.", DefaultValueFactory = _ => 5 };
        var group = new Option<string?>("--group-col")
        {
            Description = "A column whose rows stay in one fold (for example the document chunks come from), so that cross-validation scores what carries over to new documents.",
        };
        var trainers = new Option<string>("--trainers") { Description = "Trainers to try, cheapest first: linear, lightgbm, fasttree.", DefaultValueFactory = _ => "linear,lightgbm,fasttree" };
        var poolings = new Option<string>("--poolings") { Description = "Poolings to try: mean, cls, max, mean-sqrt-len.", DefaultValueFactory = _ => "mean,cls,max" };
        var precision = PrecisionOption.Create();
        var seed = new Option<int>("--seed") { Description = "Seed of the folds and trainers.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output") { Description = "Folder to write model.zip, leaderboard.csv, layers.png, metrics.json and ModelConsumption.cs into.", Required = true };
        var command = new Command("train", "Find the best BERT features and ML.NET trainer for a labelled text file, and save the model.")
        {
            dataset, label, text, text2, task, model, precision, minutes, folds, group, trainers, poolings, seed, output,
        };
        command.SetAction((result, cancellation) => CommandErrors.Run(() => Run(
            new TrainSettings(result.GetValue(dataset)!, result.GetValue(label)!, result.GetValue(text)!, result.GetValue(output)!)
            {
                SecondTextColumn = result.GetValue(text2),
                Task = result.GetValue(task)!,
                Model = result.GetValue(model)!,
                MaxMinutes = result.GetValue(minutes),
                Folds = result.GetValue(folds),
                GroupColumn = result.GetValue(group),
                Trainers = result.GetValue(trainers)!,
                Poolings = result.GetValue(poolings)!,
                Seed = result.GetValue(seed),
                Precision = result.GetValue(precision)!,
            },
            cancellation)));
        return command;
    }

    internal static int Run(TrainSettings settings, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var output = OutputFolder.Create(settings.Output, "--output");
        var options = settings.SearchOptions();
        var file = DatasetFile.Open(settings.Dataset);
        file.Require(settings.LabelColumn, "--label-col");
        file.Require(settings.TextColumn, "--text-col");
        if (settings.SecondTextColumn is { } second)
        {
            file.Require(second, "--text-col2");
        }

        if (settings.GroupColumn is { } groupColumn)
        {
            file.Require(groupColumn, "--group-col");
        }

        if (settings.LabelColumn == settings.TextColumn || settings.LabelColumn == settings.SecondTextColumn)
        {
            throw new ArgumentException($"--label-col '{settings.LabelColumn}' is also a text column; the label must be a column of its own.");
        }

        if (settings.GroupColumn is { } grouping && (grouping == settings.LabelColumn || grouping == settings.TextColumn || grouping == settings.SecondTextColumn))
        {
            throw new ArgumentException($"--group-col '{grouping}' is also the label or a text column; name the column that groups the rows.");
        }

        var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var ml = new MLContext(settings.Seed);
        var labels = file.Labels(settings.LabelColumn);
        var task = DecideTask(file, labels, settings.LabelColumn, options.Task);
        foreach (var warning in TrainingChecks.Check(file, labels, settings, task))
        {
            errors.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        }

        var data = file.Load(file.Columns.Select(c =>
            (c, (string?)c, c == settings.LabelColumn && task == SweepTask.Regression ? DataKind.Single : DataKind.String)));

        var stage = output.Stage;
        {
            errors.MarkupLineInterpolated($"[bold]{file.Rows}[/] rows of [bold]{file.Path}[/]: {Describe(task)}, model {settings.Model} ({settings.Precision})");
            using var result = Sweep(errors, ml, data, settings.Model, options with { Task = task }, cancellation);

            var modelPath = Path.Combine(stage, TrainOutputs.ModelFile);
            ml.Model.Save(result.Model, data.Schema, modelPath);
            var info = new ModelInfo(ModelInfo.CurrentFormat, TrainOutputs.TaskName(result.Task), settings.LabelColumn,
                settings.SecondTextColumn is { } pair ? [settings.TextColumn, pair] : [settings.TextColumn], result.Classes,
                result.MetricName, result.Best.Features.Name, result.Best.Trainer.ToString(), result.Best.Score)
            {
                Model = result.ModelName,
                ModelFingerprint = result.ModelFingerprint,
                Precision = PrecisionOption.Name(options.Embedding.Precision),
            };
            info.WriteTo(modelPath);
            TrainOutputs.Write(stage, result, file, settings, info, clock.Elapsed);
            cancellation.ThrowIfCancellationRequested();
            var written = output.Commit();

            TrainOutputs.PrintLeaderboard(AnsiConsole.Console, result);
            errors.MarkupLineInterpolated(
                $"best: [bold green]{result.Best.Features.Name}[/] with [bold]{result.Best.Trainer}[/], {result.MetricName} [bold]{result.Best.Score:F4}[/] ± {result.Best.StandardDeviation:F4}");
            var skipped = result.Skipped > 0 ? $" ({result.Skipped} skipped: time budget)" : string.Empty;
            if (result.TextsTruncated > 0)
            {
                errors.MarkupLineInterpolated(
                    $"{result.TextsTruncated} of {file.Rows * (settings.SecondTextColumn is null ? 1 : 2)} texts are longer than the model's maximum length: their features come from their first tokens only");
            }

            errors.MarkupLineInterpolated(
                $"embedded {result.TextsEmbedded} texts in {result.EmbeddingTime.TotalSeconds:F1} s; scored {result.Leaderboard.Count} candidates in {result.SweepTime.TotalSeconds:F1} s{skipped}; refit in {result.RefitTime.TotalSeconds:F1} s; total {clock.Elapsed.TotalSeconds:F1} s");
            errors.MarkupLineInterpolated($"wrote {string.Join(", ", written)} in {settings.Output}");
            return 0;
        }
    }

    // The CLI's rule on top of the library's: every cell of a text file is text, so numbers are recognised here. Labels
    // that are mostly numbers with a few that are not (inf, NA, 1e40) are refused, not taken as hundreds of classes.
    private static SweepTask DecideTask(DatasetFile file, string[] labels, string column, SweepTask asked)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        if (asked != SweepTask.Regression && distinct.Length < 2)
        {
            throw new InvalidDataException($"Dataset '{file.Path}': the label column '{column}' has one value ('{distinct[0]}'); a classifier needs two or more.");
        }

        if (asked == SweepTask.Binary && distinct.Length != 2)
        {
            throw new InvalidDataException($"Dataset '{file.Path}': --task binary needs two label values; column '{column}' has {distinct.Length}.");
        }

        var numbers = labels.Count(l => DatasetFile.TryNumber(l, out _));
        if (asked == SweepTask.Auto && distinct.Length > 2 && numbers < labels.Length && numbers * 2 >= labels.Length)
        {
            var row = Array.FindIndex(labels, l => !DatasetFile.TryNumber(l, out _));
            throw new InvalidDataException(
                $"Dataset '{file.Path}' line {file.Line(row)}: the label '{labels[row]}' in column '{column}' {DatasetFile.WhyNotNumber(labels[row])}, while {numbers} of {labels.Length} labels are numbers; " +
                "fix it for a regression, or pass --task multiclass to take the labels as classes.");
        }

        var task = asked != SweepTask.Auto ? asked : distinct.Length == 2 ? SweepTask.Binary : numbers == labels.Length ? SweepTask.Regression : SweepTask.Multiclass;
        if (task == SweepTask.Regression)
        {
            var values = file.Numbers(labels, column);
            if (values.All(v => v == values[0]))
            {
                throw new InvalidDataException($"Dataset '{file.Path}': every label in column '{column}' is {labels[0]}; a regression needs labels that vary.");
            }
        }

        return task;
    }

    private static string Describe(SweepTask task) => task switch
    {
        SweepTask.Binary => "binary classification",
        SweepTask.Multiclass => "multiclass classification",
        _ => "regression",
    };

    // Runs the sweep under a live progress bar on stderr (Spectre.Console prints plain lines instead when stderr is not a terminal).
    private static SweepResult Sweep(IAnsiConsole console, MLContext ml, IDataView data, string model, FeaturizationSweepOptions options,
        CancellationToken cancellation)
    {
        SweepResult? result = null;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var bar = context.AddTask("embedding", maxValue: 1);
                var best = double.NegativeInfinity;
                var progress = new SynchronousProgress<SweepProgress>(p =>
                {
                    bar.MaxValue = Math.Max(1, p.Total);
                    bar.Value = p.Completed;
                    if (p.Entry is { } entry)
                    {
                        best = Math.Max(best, entry.Score);
                    }

                    var line = p.Entry is null ? p.Message : $"{p.Message} (best so far {best:F4})";
                    bar.Description = Markup.Escape(line.Length > 70 ? line[..70] : line);
                    if (p.Entry is not null && !console.Profile.Capabilities.Interactive)
                    {
                        // In a log, every score gets a line of its own (the bar's fallback prints only its description).
                        console.WriteLine($"[{p.Completed}/{p.Total}] {p.Message}");
                    }
                });
                result = new FeaturizationSweep().Run(ml, data, model, options, progress, cancellation);
                bar.Value = bar.MaxValue;
            });
        return result!;
    }

    /// <summary>Reports on the calling thread (<see cref="Progress{T}"/> would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>What <c>train</c> was asked to do.</summary>
internal sealed record TrainSettings(string Dataset, string LabelColumn, string TextColumn, string Output)
{
    // A year: beyond it, a budget is no budget (and TimeSpan overflows near 15 billion minutes).
    private const double MaxMinutesLimit = 525_600;

    public string? SecondTextColumn { get; init; }

    public string Task { get; init; } = "auto";

    public string Model { get; init; } = PretrainedModels.DefaultName;

    public double? MaxMinutes { get; init; }

    public int Folds { get; init; } = 5;

    public string? GroupColumn { get; init; }

    public string Trainers { get; init; } = "linear,lightgbm,fasttree";

    public string Poolings { get; init; } = "mean,cls,max";

    public int Seed { get; init; } = 1;

    public string Precision { get; init; } = "fp32";

    /// <summary>The sweep's options; each bad option is refused by its flag.</summary>
    internal FeaturizationSweepOptions SearchOptions()
    {
        var task = EmbedCommand.Choice(Task, "--task",
            ("auto", SweepTask.Auto), ("binary", SweepTask.Binary), ("multiclass", SweepTask.Multiclass), ("regression", SweepTask.Regression));
        if (Folds < 2)
        {
            throw new ArgumentException($"--folds {Folds}: cross-validation needs at least 2 folds.");
        }

        if (MaxMinutes is { } minutes && (!(minutes > 0) || minutes > MaxMinutesLimit))
        {
            throw new ArgumentException(
                $"--max-minutes {minutes.ToString(System.Globalization.CultureInfo.InvariantCulture)}: expected a positive number of minutes, at most {MaxMinutesLimit} (leave it out for no limit).");
        }

        var trainers = Trainers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => EmbedCommand.Choice(t, "--trainers",
            ("linear", SweepTrainer.Linear), ("lightgbm", SweepTrainer.LightGbm), ("fasttree", SweepTrainer.FastTree))).Distinct().ToArray();
        var poolings = Poolings.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => EmbedCommand.Choice(p, "--poolings",
            ("mean", Pooling.Mean), ("cls", Pooling.Cls), ("max", Pooling.Max), ("mean-sqrt-len", Pooling.MeanSqrtLen))).Distinct().ToArray();
        if (trainers.Length == 0 || poolings.Length == 0)
        {
            throw new ArgumentException(trainers.Length == 0 ? "--trainers names no trainer." : "--poolings names no pooling.");
        }

        return new FeaturizationSweepOptions
        {
            LabelColumnName = LabelColumn, TextColumnName = TextColumn, SecondTextColumnName = SecondTextColumn, Task = task,
            Folds = Folds, GroupColumnName = GroupColumn, TimeBudget = MaxMinutes is { } m ? TimeSpan.FromMinutes(m) : null, Trainers = trainers, Poolings = poolings, Seed = Seed,
            Embedding = new EmbeddingOptions { Precision = PrecisionOption.Parse(Precision) },
        };
    }
}
