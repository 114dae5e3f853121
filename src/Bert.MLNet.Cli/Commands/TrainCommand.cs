using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Trainers;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet train</c>: fit boosted trees or logistic regression on a CSV/TSV of numeric features.</summary>
internal static class TrainCommand
{
    internal static Command Create()
    {
        var data = new Option<string>("--data") { Description = "CSV or TSV with a header; every column but the label is a numeric feature (empty, NaN or NA: missing).", Required = true };
        var label = new Option<string>("--label-column") { Description = "The column to predict.", Required = true };
        var trainer = new Option<string>("--trainer") { Description = "fasttree (gradient-boosted trees) or lbfgs (logistic regression).", DefaultValueFactory = _ => "fasttree" };
        var task = new Option<string>("--task") { Description = "auto (whole numbers or text: classes; other numbers: regression), binary, multiclass or regression.", DefaultValueFactory = _ => "auto" };
        var trees = new Option<int>("--trees") { Description = "Boosting rounds (fasttree).", DefaultValueFactory = _ => 100 };
        var leaves = new Option<int>("--leaves") { Description = "Most leaves per tree (fasttree).", DefaultValueFactory = _ => 20 };
        var learningRate = new Option<double>("--learning-rate") { Description = "Shrinkage per tree (fasttree).", DefaultValueFactory = _ => 0.2 };
        var minLeaf = new Option<int>("--min-leaf") { Description = "Fewest examples per leaf (fasttree).", DefaultValueFactory = _ => 10 };
        var rowFraction = new Option<double>("--row-fraction") { Description = "Share of rows each tree sees (fasttree).", DefaultValueFactory = _ => 1.0 };
        var featureFraction = new Option<double>("--feature-fraction") { Description = "Share of features each tree may use (fasttree).", DefaultValueFactory = _ => 1.0 };
        var l1 = new Option<double>("--l1") { Description = "L1 penalty on weights (lbfgs).", DefaultValueFactory = _ => 1.0 };
        var l2 = new Option<double>("--l2") { Description = "L2 penalty: on leaf values (fasttree) or weights (lbfgs).", DefaultValueFactory = _ => 1.0 };
        var validationFraction = new Option<double>("--validation-fraction") { Description = "Share of rows held out (stratified) for early stopping and a validation score; 0: none.", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the validation split and of sampling.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output") { Description = "Model file to write (a zip archive).", Required = true };
        var command = new Command("train", "Train a classifier or regressor on a table of numeric features; save it as a model file.")
        {
            data, label, trainer, task, trees, leaves, learningRate, minLeaf, rowFraction, featureFraction, l1, l2, validationFraction, seed, threads, output,
        };
        command.SetAction((result, cancellation) => CommandErrors.Run(() =>
        {
            // An option of the other trainer would be silently ignored: say so instead.
            var chosen = result.GetValue(trainer)!;
            var (foreign, owner) = chosen.ToLowerInvariant() switch
            {
                "lbfgs" => (new Option[] { trees, leaves, learningRate, minLeaf, rowFraction, featureFraction }, "fasttree"),
                "fasttree" => ([l1], "lbfgs"),
                _ => ([], string.Empty),
            };
            if (foreign.FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } misplaced)
            {
                throw new ArgumentException($"{misplaced.Name} applies to --trainer {owner}, not --trainer {chosen}.");
            }

            var settings = new TrainSettings(
                result.GetValue(data)!, result.GetValue(label)!, result.GetValue(trainer)!, result.GetValue(task)!, result.GetValue(output)!,
                result.GetValue(validationFraction), result.GetValue(seed))
            {
                Trees = new BoostedTreeOptions
                {
                    Trees = result.GetValue(trees), Leaves = result.GetValue(leaves), LearningRate = result.GetValue(learningRate),
                    MinExamplesPerLeaf = result.GetValue(minLeaf), RowFraction = result.GetValue(rowFraction), FeatureFraction = result.GetValue(featureFraction),
                    L2Regularization = result.GetValue(l2), Seed = result.GetValue(seed), Threads = result.GetValue(threads),
                },
                Linear = new LogisticRegressionOptions
                {
                    L1Regularization = result.GetValue(l1), L2Regularization = result.GetValue(l2), Threads = result.GetValue(threads),
                },
            };
            return Run(settings, cancellation);
        }));
        return command;
    }

    internal static int Run(TrainSettings settings, CancellationToken cancellation)
    {
        var trainer = settings.Trainer.ToLowerInvariant();
        if (trainer is not ("fasttree" or "lbfgs"))
        {
            throw new ArgumentException($"--trainer '{settings.Trainer}' is not one of fasttree, lbfgs.");
        }

        if (settings.ValidationFraction is < 0 or >= 1)
        {
            throw new ArgumentException($"--validation-fraction {settings.ValidationFraction} must be at least 0 and below 1.");
        }

        var clock = Stopwatch.StartNew();
        var table = DelimitedTable.Read(settings.Data);
        var (all, task) = LabeledTable.ForTraining(table, settings.LabelColumn, settings.Task);
        if (trainer == "lbfgs" && task == PredictionKind.Regression)
        {
            throw new ArgumentException($"--trainer lbfgs is logistic regression, for classes; the label column '{settings.LabelColumn}' holds real numbers. Use --trainer fasttree for regression.");
        }

        var (training, validation) = settings.ValidationFraction > 0 ? all.Split(settings.ValidationFraction, settings.Seed) : (all, null);
        var progress = new TrainingConsoleProgress(clock);
        TrainedModel model = trainer == "fasttree"
            ? new BoostedTreeTrainer(settings.Trees with { Task = task }).Fit(training, validation, progress, cancellation)
            : new LogisticRegressionTrainer(settings.Linear with { Task = task }).Fit(training, progress, cancellation);
        progress.Line.Finish();
        model.Metadata["labelColumn"] = settings.LabelColumn;
        model.Metadata["trainer"] = trainer;
        model.Metadata["trainingRows"] = training.Count.ToString(CultureInfo.InvariantCulture);
        model.Metadata["trainedAt"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        model.Save(settings.Output);

        var shape = model.Classes is null ? "regression" : $"{model.Classes.Count} classes: {string.Join(", ", model.Classes.Names.Take(10))}{(model.Classes.Count > 10 ? ", ..." : string.Empty)}";
        var detail = model switch
        {
            BoostedTreeModel trees => $"{trees.Rounds} rounds, {trees.TreeCount} trees",
            LogisticRegressionModel linear => $"{linear.Iterations} L-BFGS iterations{(linear.Converged ? string.Empty : " (iteration limit reached)")}",
            _ => string.Empty,
        };
        Console.Error.WriteLine($"trained {trainer} ({shape}) on {training.Count} rows x {all.Features.Columns} features: {detail}, {clock.Elapsed.TotalSeconds:F2} s");
        if (model is BoostedTreeModel ensemble)
        {
            var importance = ensemble.FeatureImportance();
            var top = Enumerable.Range(0, importance.Length).Where(f => importance[f] > 0).OrderByDescending(f => importance[f]).Take(5)
                .Select(f => $"{ensemble.FeatureNames[f]} {importance[f]:P1}");
            Console.Error.WriteLine($"most important features (share of split gain): {string.Join(", ", top)}");
        }
        if (validation is not null)
        {
            var metrics = Scoring.Evaluate(model, validation);
            Console.Error.WriteLine($"validation ({validation.Count} rows): {Scoring.Summary(metrics)}");
        }

        Console.Error.WriteLine($"saved {settings.Output}");
        return 0;
    }

    /// <summary>What <c>train</c> was asked to do.</summary>
    internal sealed record TrainSettings(string Data, string LabelColumn, string Trainer, string Task, string Output, double ValidationFraction, int Seed)
    {
        public BoostedTreeOptions Trees { get; init; } = new();

        public LogisticRegressionOptions Linear { get; init; } = new();
    }

    /// <summary>Training progress as a <see cref="ProgressLine"/>; the end of training is reported by the summary instead.</summary>
    private sealed class TrainingConsoleProgress(Stopwatch clock) : IProgress<TrainingProgress>
    {
        public ProgressLine Line { get; } = new(clock);

        public void Report(TrainingProgress value)
        {
            if (value.Iteration < value.MaxIterations)
            {
                Line.Show(
                    $"training: {value.Iteration}/{value.MaxIterations}, loss {value.TrainingLoss:G4}" +
                        (value.ValidationLoss is { } v ? $", validation {v:G4}" : string.Empty) + $", {clock.Elapsed.TotalSeconds:F1} s",
                    final: false);
            }
        }
    }
}
