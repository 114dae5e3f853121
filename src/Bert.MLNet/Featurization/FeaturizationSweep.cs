using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Featurization;

/// <summary>
/// Finds which BERT features and which ML.NET trainer predict a label best, as AutoML would if it knew BERT: every hidden
/// state alone, the last four concatenated and first-last-avg, each pooled every way asked, against ML.NET's
/// <c>FeaturizeText</c> alone and with the best BERT features; each with every trainer asked, scored by ML.NET's
/// k-fold cross-validation. Every hidden state of every text is computed once, in one model run per batch, and cached
/// for every candidate and fold. The best candidate's pipeline is then fitted on all the data.
/// </summary>
/// <remarks>Keep one instance to reuse its cache across sweeps over the same texts and model.</remarks>
public sealed class FeaturizationSweep
{
    private readonly EmbeddingCache cache = new();

    /// <summary>Sweeps and refits. The model is <paramref name="modelPath"/>: a known name (<see cref="PretrainedModels"/>), a model folder or an .onnx file.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of a type the task cannot use (the message names it).</exception>
    /// <exception cref="ArgumentException">The options are invalid, or the label has fewer than two classes.</exception>
    /// <exception cref="TimeoutException">The time budget ran out before any candidate was scored.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public SweepResult Run(MLContext ml, IDataView data, string modelPath, FeaturizationSweepOptions options,
        IProgress<SweepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var inputs = Read(data, options);
        using var model = BertModel.Load(modelPath, options.Embedding.Runtime);
        var candidates = BertCandidates(options.Poolings, model.LayerCount);
        var scoring = new Scoring(ml, inputs, options, modelPath, model.HiddenSize, progress, cancellationToken)
        {
            Total = (candidates.Count + (options.IncludeTextBaselines ? 2 : 0)) * options.Trainers.Count,
        };

        var clock = Stopwatch.StartNew();
        scoring.Report(0, $"embedding {inputs.AllTexts.Length} texts: every hidden state, pooled {string.Join(", ", options.Poolings)}");
        scoring.Pooled = cache.Get(model, options.Embedding, options.Poolings, inputs.AllTexts, out var embedded, out var truncated, cancellationToken);
        var embeddingTime = clock.Elapsed;

        clock.Restart();
        scoring.Clock = clock;
        foreach (var trainer in options.Trainers)
        {
            scoring.Round(candidates, trainer);
        }

        var sweepTime = clock.Elapsed;
        if (scoring.Entries.Count == 0)
        {
            throw new TimeoutException($"The time budget ({options.TimeBudget}) ran out before any candidate was scored; allow more time.");
        }

        var leaderboard = scoring.Entries.OrderByDescending(e => e.Score).ThenBy(e => e.Time).ToArray();
        var best = leaderboard[0];
        scoring.Report(scoring.Total, $"best: {best.Features.Name} with {best.Trainer}, {inputs.Labels.MetricName} {best.Score:F4}; fitting it on all {inputs.Texts.Length} rows");
        clock.Restart();
        var fitted = Pipeline(ml, best.Features, best.Trainer, inputs.Labels, options, modelPath, inMemory: false).Fit(data);
        return new SweepResult(inputs.Labels.Task, inputs.Labels.MetricName, inputs.Labels.Classes, leaderboard, LayerCurve(leaderboard), fitted, scoring.Skipped,
            embedded, embeddingTime, sweepTime, clock.Elapsed)
        {
            ModelName = model.Name,
            ModelFingerprint = model.Fingerprint,
            TextsTruncated = truncated,
        };
    }

    // The data a sweep reads: the label (which settles the task), the texts, the second texts of pairs, the fold groups.
    private sealed record Inputs(SweepLabels Labels, string[] Texts, string[]? Pairs, string[]? Groups)
    {
        // Every text the model embeds: the first texts, then the second texts of pairs.
        internal string[] AllTexts { get; } = Pairs is null ? Texts : [.. Texts, .. Pairs];
    }

    private static Inputs Read(IDataView data, FeaturizationSweepOptions options)
    {
        options.Validate();
        Transforms.BertSchema.CheckInput(data.Schema, options.TextColumnName);
        if (options.SecondTextColumnName is { } second)
        {
            Transforms.BertSchema.CheckInput(data.Schema, second);
        }

        return new Inputs(
            SweepLabels.Read(data, options.LabelColumnName, options.Task),
            Texts(data, options.TextColumnName),
            options.SecondTextColumnName is { } secondColumn ? Texts(data, secondColumn) : null,
            options.GroupColumnName is { } groupColumn ? Groups(data, groupColumn) : null);
    }

    // The per-layer curve follows the best candidate with BERT features (the best may be FeaturizeText alone).
    private static LayerScore[] LayerCurve(LeaderboardEntry[] leaderboard)
    {
        var reference = leaderboard.FirstOrDefault(e => e.Features.Pooling is not null);
        return reference?.Features.Pooling is { } pooling
            ? [.. leaderboard.Where(e => e.Trainer == reference.Trainer && e.Features.Pooling == pooling && e.Features.Layers.Count == 1 && !e.Features.WithText)
                .OrderBy(e => e.Features.Layers[0]).Select(e => new LayerScore(e.Features.Layers[0], e.Score, e.StandardDeviation))]
            : [];
    }

    /// <summary>
    /// Scores candidates by cross-validation and keeps the leaderboard so far, with what was skipped (over the time budget)
    /// or not tried (FeaturizeText with BERT when FeaturizeText alone is far behind).
    /// </summary>
    private sealed class Scoring(MLContext ml, Inputs inputs, FeaturizationSweepOptions options, string modelPath, int width,
        IProgress<SweepProgress>? progress, CancellationToken cancellationToken)
    {
        private static readonly FeatureCandidate TextOnly = new("FeaturizeText", null, [], false, true);

        private int notTried;

        internal List<LeaderboardEntry> Entries { get; } = [];

        internal int Skipped { get; private set; }

        internal int Total { get; init; }

        // Every hidden state of every text, pooled each way of options.Poolings (the cache's result).
        internal float[][][] Pooled { get; set; } = [];

        // Measures the time budget: started when scoring starts.
        internal Stopwatch Clock { get; set; } = new();

        internal void Report(int done, string message, LeaderboardEntry? entry = null) =>
            progress?.Report(new SweepProgress(done, Total, message, entry));

        /// <summary>
        /// One trainer's round, cheapest first: the BERT candidates (seconds each), then FeaturizeText alone and with the
        /// best BERT features, whose n-gram vectors can take a linear trainer minutes on long texts. The budget is checked
        /// between candidates: ML.NET's L-BFGS and LightGbm cannot be stopped mid-training.
        /// </summary>
        internal void Round(IReadOnlyList<FeatureCandidate> candidates, SweepTrainer trainer)
        {
            IEnumerable<FeatureCandidate> round = options.IncludeTextBaselines ? [.. candidates, TextOnly] : candidates;
            foreach (var candidate in round)
            {
                Score(candidate, trainer);
            }

            if (!options.IncludeTextBaselines)
            {
                return;
            }

            var bestBert = Entries.Where(e => !e.Features.WithText).MaxBy(e => e.Score)?.Features ?? candidates[^1];
            var bertScore = Entries.Where(e => e.Trainer == trainer && !e.Features.WithText).Select(e => (double?)e.Score).Max();
            var textScore = Entries.FirstOrDefault(e => e.Trainer == trainer && e.Features == TextOnly)?.Score;
            if (options.CombinedTextMargin is { } margin && bertScore - textScore > margin)
            {
                notTried++;
                Report(Done, $"FeaturizeText + {bestBert.Name}, {trainer}: not scored, FeaturizeText alone is {bertScore - textScore:F4} below the best BERT features (margin {margin})");
            }
            else
            {
                Score(bestBert with { Name = "FeaturizeText + " + bestBert.Name, WithText = true }, trainer);
            }
        }

        private int Done => Entries.Count + Skipped + notTried;

        // Cross-validates one candidate with one trainer, unless the time budget is spent (then it counts as skipped).
        private void Score(FeatureCandidate candidate, SweepTrainer trainer)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.TimeBudget is { } budget && Clock.Elapsed > budget)
            {
                Skipped++;
                return;
            }

            Report(Done, $"scoring {candidate.Name}, {trainer}");
            var started = Stopwatch.StartNew();
            var pairs = inputs.Pairs is not null;
            var dimension = candidate.Pooling is null ? 1 : Dimension(candidate, width, pairs);
            var features = candidate.Pooling is { } pooling
                ? Features(Pooled[options.Poolings.ToList().IndexOf(pooling)], candidate, width, inputs.Texts.Length, pairs, options.Embedding.Normalize)
                : null;
            var view = inputs.Labels.View(ml, inputs.Texts, inputs.Pairs, inputs.Groups, features, dimension);
            var pipeline = Pipeline(ml, candidate, trainer, inputs.Labels, options, modelPath, inMemory: true);
            var scores = CrossValidation.Scores(ml, inputs.Labels.Task, view, pipeline, options.Folds, options.Seed, grouped: inputs.Groups is not null);
            var mean = scores.Average();
            var deviation = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / Math.Max(1, scores.Count - 1));
            var entry = new LeaderboardEntry(candidate, trainer, mean, deviation, started.Elapsed);
            Entries.Add(entry);
            Report(Done, $"{candidate.Name}, {trainer}: {inputs.Labels.MetricName} {mean:F4} ± {deviation:F4}", entry);
        }
    }

    /// <summary>
    /// The pipeline of a candidate. In the sweep (<paramref name="inMemory"/>) it reads the cached features from a
    /// <c>Features</c> column; refitted, <c>ApplyBertEmbedding</c> computes them from the text column.
    /// </summary>
    internal static IEstimator<ITransformer> Pipeline(MLContext ml, FeatureCandidate candidate, SweepTrainer trainer, SweepLabels labels,
        FeaturizationSweepOptions options, string modelPath, bool inMemory)
    {
        var text = inMemory ? SweepLabels.TextColumn : options.TextColumnName;
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        if (labels.Prepare(ml, inMemory ? SweepLabels.LabelColumn : options.LabelColumnName, inMemory) is { } prepare)
        {
            pipeline = pipeline.Append(prepare);
        }

        var second = options.SecondTextColumnName is null ? null : inMemory ? SweepLabels.SecondTextColumn : options.SecondTextColumnName;
        var bert = candidate.EmbeddingOptions(options.Embedding);
        if (bert is not null && !inMemory)
        {
            if (second is null)
            {
                pipeline = pipeline.Append(ml.Transforms.Text.ApplyBertEmbedding(SweepLabels.FeaturesColumn, text, modelPath, bert));
            }
            else
            {
                const string First = SweepLabels.FeaturesColumn + ".First", Second = SweepLabels.FeaturesColumn + ".Second";
                pipeline = pipeline.Append(ml.Transforms.Text.ApplyBertEmbedding(First, text, modelPath, bert))
                    .Append(ml.Transforms.Text.ApplyBertEmbedding(Second, second, modelPath, bert))
                    .Append(ml.Transforms.ComputePairFeatures(SweepLabels.FeaturesColumn, First, Second));
            }
        }

        // A linear model takes the BERT features standardized. FeaturizeText's n-grams stay as ML.NET's text pipelines feed
        // them to a trainer (unit-length rows): standardized, they reached 71% against 52% on the WordNet topics with
        // LbfgsMaximumEntropy, but took 8 times as long there and over 20 minutes on the Brown genres, where raw ones took 4.
        if (trainer == SweepTrainer.Linear && bert is not null)
        {
            pipeline = pipeline.Append(ml.Transforms.NormalizeMeanVariance(SweepLabels.FeaturesColumn));
        }

        if (candidate.WithText)
        {
            // Word and character n-grams of each text; with BERT features, after them.
            string[] words = second is null ? ["TextFeatures"] : ["TextFeatures", "TextFeatures.Second"];
            pipeline = pipeline.Append(ml.Transforms.Text.FeaturizeText(words[0], text));
            if (second is not null)
            {
                pipeline = pipeline.Append(ml.Transforms.Text.FeaturizeText(words[1], second));
            }

            pipeline = pipeline.Append(bert is null
                ? ml.Transforms.Concatenate(SweepLabels.FeaturesColumn, words)
                : ml.Transforms.Concatenate(SweepLabels.FeaturesColumn, [SweepLabels.FeaturesColumn, .. words]));
        }


        pipeline = pipeline.Append(SweepTrainers.For(ml, labels.Task, trainer, options.Seed));
        return labels.Finish(ml, inMemory) is { } finish ? pipeline.Append(finish) : pipeline;
    }

    internal static List<FeatureCandidate> BertCandidates(IReadOnlyList<Pooling> poolings, int layerCount)
    {
        var candidates = new List<FeatureCandidate>();
        var lastFour = Enumerable.Range(Math.Max(1, layerCount - 3), Math.Min(4, layerCount)).ToArray();
        foreach (var pooling in poolings)
        {
            var name = PoolingName(pooling);
            for (var layer = 0; layer <= layerCount; layer++)
            {
                candidates.Add(new FeatureCandidate($"layer {layer}, {name}", pooling, [layer], false, false));
            }

            candidates.Add(new FeatureCandidate($"last {lastFour.Length}, {name}", pooling, lastFour, false, false));
            if (pooling == Pooling.Mean && layerCount > 1)
            {
                candidates.Add(new FeatureCandidate("first-last-avg", Pooling.Mean, [1, layerCount], true, false));
            }
        }

        return candidates;
    }

    /// <summary>How candidates name a pooling: <c>mean</c>, <c>cls</c>, <c>max</c>, <c>mean-sqrt-len</c>.</summary>
    internal static string PoolingName(Pooling pooling) => pooling switch
    {
        Pooling.Cls => "cls",
        Pooling.Max => "max",
        Pooling.MeanSqrtLen => "mean-sqrt-len",
        _ => "mean",
    };

    private static string[] Texts(IDataView data, string column) => [.. data.GetColumn<string>(column).Select(t => t ?? string.Empty)];

    // The fold group of each row, as text: a text column, or a number column's values.
    private static string[] Groups(IDataView data, string column)
    {
        var type = (data.Schema.GetColumnOrNull(column) ?? throw Transforms.BertSchema.MissingColumn("Group column", column, data.Schema)).Type;
        return type switch
        {
            TextDataViewType => Texts(data, column),
            _ when type == NumberDataViewType.Single => [.. data.GetColumn<float>(column).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))],
            _ when type == NumberDataViewType.Double => [.. data.GetColumn<double>(column).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))],
            _ when type == NumberDataViewType.Int32 => [.. data.GetColumn<int>(column).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            _ when type == NumberDataViewType.Int64 => [.. data.GetColumn<long>(column).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            _ => throw BertErrors.Column("group", column, $"has type {type}; expected text or a number (Single, Double, Int32, Int64)."),
        };
    }

    private static int Dimension(FeatureCandidate candidate, int width, bool pairs)
    {
        var single = candidate.Averaged ? width : candidate.Layers.Count * width;
        return pairs ? (4 * single) + 1 : single;
    }

    // The candidate's features for every row, from the cached [row][layer × hidden] vectors; with pairs, rows n.. are the
    // second texts, and the features are those of PairFeaturesTransformer.
    internal static float[][] Features(float[][] everyLayer, FeatureCandidate candidate, int width, int rows, bool pairs, bool normalize)
    {
        if (!pairs)
        {
            return [.. everyLayer.Select(row => Vector(row, candidate, width, normalize))];
        }

        var output = new float[rows][];
        for (var row = 0; row < rows; row++)
        {
            output[row] = new float[Dimension(candidate, width, pairs: true)];
            Onnx.PairGraph.Compute(Vector(everyLayer[row], candidate, width, normalize), Vector(everyLayer[rows + row], candidate, width, normalize), output[row]);
        }

        return output;
    }

    // One text's vector for a candidate, as ApplyBertEmbedding with the candidate's options computes it: the chosen
    // layers combined by Pooler.Combine (concatenated, or averaged for first-last-avg), then (Normalize) scaled to unit length.
    private static float[] Vector(float[] row, FeatureCandidate candidate, int width, bool normalize)
    {
        var layers = candidate.Layers.Count;
        var chosen = new float[layers * width];
        for (var i = 0; i < layers; i++)
        {
            row.AsSpan(candidate.Layers[i] * width, width).CopyTo(chosen.AsSpan(i * width));
        }

        var output = new float[Dimension(candidate, width, pairs: false)];
        Embeddings.Pooler.Combine(chosen, layers, width, candidate.Averaged ? LayerCombination.Mean : LayerCombination.Concat, null, output);
        if (normalize)
        {
            Embeddings.Pooler.Normalize(output);
        }

        return output;
    }
}
