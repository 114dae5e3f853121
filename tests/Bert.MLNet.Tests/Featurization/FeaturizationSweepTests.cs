using Bert.MLNet.Featurization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests.Featurization;

/// <summary>The featurization search on small real data: a complete, ordered leaderboard, one model run per text, and a refit equal to its entry's pipeline.</summary>
public sealed class FeaturizationSweepTests
{
    private static readonly string Model = Path.Combine(Testing.RepositoryRoot.Path, "models", "bert-l4-h128-uncased");
    private static readonly string Datasets = Path.Combine(Testing.RepositoryRoot.Path, "datasets");

    [Fact]
    public void LeaderboardIsCompleteAndOrderedAndTheCacheMeansOneRunPerText()
    {
        var ml = new MLContext(seed: 1);
        var data = Rows(ml, "wordnet-topics", "train.tsv", 320);
        var options = new FeaturizationSweepOptions
        {
            LabelColumnName = "Label", TextColumnName = "Text", Folds = 3,
            Poolings = [Pooling.Mean, Pooling.Cls], Trainers = [SweepTrainer.Linear], CombinedTextMargin = null,
        };
        var sweep = new FeaturizationSweep();
        using var result = sweep.Run(ml, data, Model, options);

        Assert.Equal(SweepTask.Multiclass, result.Task);
        // Mean: layers 0-4, last four, first-last-avg; CLS: layers 0-4, last four; FeaturizeText alone and with the best BERT features.
        Assert.Equal(7 + 6 + 2, result.Leaderboard.Count);
        Assert.Equal(result.Leaderboard.Select(e => e.Score).OrderByDescending(s => s), result.Leaderboard.Select(e => e.Score));
        Assert.Equal(15, result.Leaderboard.Select(e => e.Features.Name).Distinct().Count());
        Assert.Contains(result.Leaderboard, e => e.Features.Name == "FeaturizeText");
        Assert.Contains(result.Leaderboard, e => e.Features.Name == "first-last-avg");
        Assert.All(result.Leaderboard, e => Assert.InRange(e.Score, 0, 1));
        Assert.True(result.Best.Score > 0.4, $"best micro accuracy {result.Best.Score} (8 balanced topics: chance 0.125)");

        // Layer 0 at [CLS] is the same vector for every text (token [CLS], position 0), so it can only guess.
        Assert.InRange(result.Leaderboard.Single(e => e.Features.Name == "layer 0, cls").Score, 0, 0.2);
        Assert.Equal(0, result.Skipped);

        var distinct = data.GetColumn<string>("Text").Distinct().Count();
        Assert.Equal(distinct, result.TextsEmbedded);
        if (result.Best.Features.Pooling is not null && !result.Best.Features.WithText)
        {
            Assert.Equal(5, result.LayerCurve.Count);
            Assert.Equal([0, 1, 2, 3, 4], result.LayerCurve.Select(l => l.Layer));
        }

        // The same search again reads every embedding from the cache.
        using var again = sweep.Run(ml, data, Model, options with { Poolings = [Pooling.Cls], IncludeTextBaselines = false });
        Assert.Equal(0, again.TextsEmbedded);

        // Truncations come from the embedding pass and stay with the cached states: a sweep over cached texts reports the
        // same count, against the tokenizer's own piece counts ([CLS] and [SEP] take 2 of the 8 tokens).
        var cutOptions = options with { Poolings = [Pooling.Mean], IncludeTextBaselines = false, Embedding = options.Embedding with { MaxLength = 8 } };
        using (var model = BertModel.Load(Model))
        {
            var expected = data.GetColumn<string>("Text").Count(t => model.Tokenizer.CountWordPieces(t) > 6);
            Assert.True(expected > 0, "some texts are longer than 6 pieces");
            using var cut = sweep.Run(ml, data, Model, cutOptions);
            using var cutAgain = sweep.Run(ml, data, Model, cutOptions);
            Assert.Equal(expected, cut.TextsTruncated);
            Assert.Equal((0, expected), (cutAgain.TextsEmbedded, cutAgain.TextsTruncated));
        }

        // With a margin FeaturizeText alone does not come within, the concatenation is not scored; everything else is as before.
        var text = result.Leaderboard.Single(e => e.Features.Name == "FeaturizeText").Score;
        var bert = result.Leaderboard.Where(e => !e.Features.WithText).Max(e => e.Score);
        Assert.True(bert > text, $"BERT {bert} against FeaturizeText {text}");
        var progress = new List<SweepProgress>();
        using var margined = sweep.Run(ml, data, Model, options with { CombinedTextMargin = (bert - text) / 2 }, new Progress(progress.Add));
        Assert.Equal(result.Leaderboard.Count - 1, margined.Leaderboard.Count);
        Assert.DoesNotContain(margined.Leaderboard, e => e.Features.WithText && e.Features.Pooling is not null);
        var kept = result.Leaderboard.Where(e => !e.Features.WithText || e.Features.Pooling is null).ToArray();
        Assert.Equal(kept.Select(e => e.Features.Name), margined.Leaderboard.Select(e => e.Features.Name));
        Assert.All(kept.Zip(margined.Leaderboard), pair => Assert.Equal(pair.First.Score, pair.Second.Score, 6));
        var notScored = Assert.Single(progress, p => p.Message.Contains("not scored", StringComparison.Ordinal));
        Assert.Equal(notScored.Total, notScored.Completed);
    }

    [Fact]
    public void TheRefitModelIsTheBestEntrysPipelineFittedOnAllTheData()
    {
        var ml = new MLContext(seed: 1);
        var data = Rows(ml, "wordnet-topics", "train.tsv", 240);
        var test = Rows(ml, "wordnet-topics", "test.tsv", 80);
        var options = new FeaturizationSweepOptions
        {
            LabelColumnName = "Label", TextColumnName = "Text", Folds = 2, Poolings = [Pooling.Mean], Trainers = [SweepTrainer.Linear],
            IncludeTextBaselines = false,
        };
        using var result = new FeaturizationSweep().Run(ml, data, Model, options);
        var best = result.Best;
        var embedding = best.Features.EmbeddingOptions(options.Embedding)!;
        var manual = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", Model, embedding))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Features"))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        Assert.Equal(manual.Transform(test).GetColumn<string>("PredictedLabel"), result.Model.Transform(test).GetColumn<string>("PredictedLabel"));
        var scores = manual.Transform(test).GetColumn<float[]>("Score").Zip(result.Model.Transform(test).GetColumn<float[]>("Score"));
        Assert.All(scores, p => Assert.Equal(p.First, p.Second));
        (manual as IDisposable)?.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryCandidatesSearchFeaturesAreWhatItsRefitPipelineComputes(bool normalize)
    {
        // The search scores features built from its cache of every layer; the refit computes them with ApplyBertEmbedding
        // (and ComputePairFeatures). Both must give the same numbers for every candidate, pooling and Normalize.
        var ml = new MLContext(seed: 1);
        var rows = Rows(ml, "wordnet-topics", "train.tsv", 24);
        var texts = rows.GetColumn<string>("Text").ToArray();
        var seconds = texts.Reverse().ToArray();
        var basis = new EmbeddingOptions { Normalize = normalize, MaxLength = 48 };
        Pooling[] poolings = [Pooling.Mean, Pooling.Cls, Pooling.Max, Pooling.MeanSqrtLen];
        using var model = BertModel.Load(Model);
        var cached = new EmbeddingCache().Get(model, basis, poolings, [.. texts, .. seconds], out _, out _, CancellationToken.None);
        var pairsView = ml.Data.LoadFromEnumerable(texts.Zip(seconds).Select(p => new PairRow { First = p.First, Second = p.Second }));
        foreach (var candidate in FeaturizationSweep.BertCandidates(poolings, model.LayerCount))
        {
            var everyLayer = cached[Array.IndexOf(poolings, candidate.Pooling!.Value)];
            var single = FeaturizationSweep.Features(everyLayer[..texts.Length], candidate, model.HiddenSize, texts.Length, pairs: false, normalize);
            var options = candidate.EmbeddingOptions(basis)!;
            var refit = ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", Model, options).Fit(rows).Transform(rows)
                .GetColumn<float[]>("Features").ToArray();
            AssertClose(refit, single, candidate.Name);

            var pairFeatures = FeaturizationSweep.Features(everyLayer, candidate, model.HiddenSize, texts.Length, pairs: true, normalize);
            var refitPairs = ml.Transforms.Text.ApplyBertEmbedding("U", "First", Model, options)
                .Append(ml.Transforms.Text.ApplyBertEmbedding("V", "Second", Model, options))
                .Append(ml.Transforms.ComputePairFeatures("Features", "U", "V"))
                .Fit(pairsView).Transform(pairsView).GetColumn<float[]>("Features").ToArray();
            AssertClose(refitPairs, pairFeatures, candidate.Name + " (pairs)");
        }

        static void AssertClose(float[][] expected, float[][] actual, string name)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (var row = 0; row < expected.Length; row++)
            {
                Assert.Equal(expected[row].Length, actual[row].Length);
                var worst = expected[row].Zip(actual[row]).Max(p => Math.Abs(p.First - p.Second));
                Assert.True(worst < 1e-5, $"{name}, row {row}: differs by {worst}");
            }
        }
    }

    [Fact]
    public void PairsAreScoredOnPairFeaturesAndTheRefitIsThePairPipeline()
    {
        var ml = new MLContext(seed: 1);
        var file = Path.Combine(Datasets, "wordnet-pairs", "train.tsv");
        var pairs = ml.Data.TakeRows(ml.Data.LoadFromTextFile<PairRow>(file, hasHeader: true, allowQuoting: false), 160);
        var test = ml.Data.SkipRows(ml.Data.LoadFromTextFile<PairRow>(file, hasHeader: true, allowQuoting: false), 900);
        var options = new FeaturizationSweepOptions
        {
            LabelColumnName = "Label", TextColumnName = "First", SecondTextColumnName = "Second", Folds = 2, Poolings = [Pooling.Mean],
            Trainers = [SweepTrainer.Linear], IncludeTextBaselines = false,
        };
        using var result = new FeaturizationSweep().Run(ml, pairs, Model, options);
        Assert.Equal(SweepTask.Binary, result.Task);
        Assert.Equal(7, result.Leaderboard.Count);
        var firsts = pairs.GetColumn<string>("First").ToArray();
        var seconds = pairs.GetColumn<string>("Second").ToArray();
        Assert.Equal(firsts.Concat(seconds).Distinct().Count(), result.TextsEmbedded);

        var embedding = result.Best.Features.EmbeddingOptions(options.Embedding)!;
        var manual = ml.Transforms.Conversion.MapValue("Label", [new KeyValuePair<string, bool>("different", false), new("same", true)], "Label")
            .Append(ml.Transforms.Text.ApplyBertEmbedding("U", "First", Model, embedding))
            .Append(ml.Transforms.Text.ApplyBertEmbedding("V", "Second", Model, embedding))
            .Append(ml.Transforms.ComputePairFeatures("Features", "U", "V"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Label", "Features"))
            .Fit(pairs);
        var expected = manual.Transform(test).GetColumn<float>("Probability").ToArray();
        var actual = result.Model.Transform(test).GetColumn<float>("Probability").ToArray();
        Assert.Equal(expected, actual);
        Assert.All(result.Model.Transform(test).GetColumn<string>("PredictedLabel").Zip(actual), p => Assert.Equal(p.Second > 0.5f ? "same" : "different", p.First));
        (manual as IDisposable)?.Dispose();
    }

    [Fact]
    public void TwoTextLabelsMakeABinaryTaskAndNumbersARegression()
    {
        var ml = new MLContext(seed: 1);
        var spam = Rows(ml, "spam-assassin", "train.tsv", 120);
        var binary = new FeaturizationSweepOptions
        {
            LabelColumnName = "Label", TextColumnName = "Text", Folds = 2, Poolings = [Pooling.Mean], Trainers = [SweepTrainer.Linear],
            IncludeTextBaselines = false, Embedding = new EmbeddingOptions { MaxLength = 64 },
        };
        using (var result = new FeaturizationSweep().Run(ml, spam, Model, binary))
        {
            Assert.Equal(SweepTask.Binary, result.Task);
            Assert.Equal("accuracy", result.MetricName);
            Assert.Equal(7, result.Leaderboard.Count);
            Assert.Equal(["ham", "spam"], result.Classes);
            // PredictedLabel holds the label's own values, which the trainer's Probability agrees with.
            var scored = result.Model.Transform(spam);
            Assert.All(scored.GetColumn<string>("PredictedLabel").Zip(scored.GetColumn<float>("Probability")), p => Assert.Equal(p.First == "spam", p.Second > 0.5f));
        }

        // A number the texts carry: how many words they have, which sum / sqrt(n) pooling keeps in the vectors' size.
        var texts = Rows(ml, "wordnet-topics", "train.tsv", 320).GetColumn<string>("Text").ToArray();
        var lengths = ml.Data.LoadFromEnumerable(texts.Select(t => new NumberRow { Text = t, Words = t.Split(' ').Length }));
        var regression = binary with { LabelColumnName = "Words", Poolings = [Pooling.MeanSqrtLen], Trainers = [SweepTrainer.LightGbm] };
        using (var result = new FeaturizationSweep().Run(ml, lengths, Model, regression))
        {
            Assert.Equal(SweepTask.Regression, result.Task);
            Assert.Equal("R²", result.MetricName);
            Assert.True(result.Best.Score > 0.3, $"R² {result.Best.Score}");
        }
    }

    [Fact]
    public void GroupedFoldsKeepAGroupsRowsTogether()
    {
        // 80 groups of 4 rows. Each group's texts are alike (a made-up word and the row's part number) and share the
        // group's label, drawn at random: a label learnable only by recognizing the group. Folds that split groups reward
        // that; folds by group cannot.
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 80).SelectMany(g =>
        {
            var word = string.Concat(Enumerable.Range(0, 3).Select(_ => (char)('a' + random.Next(26)))) + "zq" + g;
            var label = random.Next(2) == 0 ? "left" : "right";
            return Enumerable.Range(0, 4).Select(i => new GroupedRow { Label = label, Text = $"{word} {word}, part {i + 1}", Group = "g" + g });
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new FeaturizationSweepOptions
        {
            LabelColumnName = "Label", TextColumnName = "Text", Folds = 4, Poolings = [Pooling.Mean], Trainers = [SweepTrainer.Linear],
            CombinedTextMargin = null, Embedding = new EmbeddingOptions { MaxLength = 32 },
        };
        var sweep = new FeaturizationSweep();
        using var mixed = sweep.Run(ml, data, Model, options);
        using var grouped = sweep.Run(ml, data, Model, options with { GroupColumnName = "Group" });
        Assert.True(mixed.Best.Score > 0.9, $"folds that split groups: best {mixed.Best.Score:F3} ({mixed.Best.Features.Name})");
        Assert.True(grouped.Best.Score < 0.75, $"folds by group: best {grouped.Best.Score:F3} ({grouped.Best.Features.Name})");
        Assert.Contains("GroupColumnName is 'Label'", Assert.Throws<ArgumentException>(() => sweep.Run(ml, data, Model, options with { GroupColumnName = "Label" })).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void BadLabelsAndBudgetsAreRefusedWithTheReason()
    {
        var ml = new MLContext();
        var data = Rows(ml, "wordnet-topics", "train.tsv", 20);
        var options = new FeaturizationSweepOptions { LabelColumnName = "Topic", TextColumnName = "Text" };
        var sweep = new FeaturizationSweep();
        Assert.Contains("Label column 'Topic' is not in the data; its columns are: 'Label', 'Text'",
            Assert.Throws<ArgumentOutOfRangeException>(() => sweep.Run(ml, data, Model, options)).Message, StringComparison.Ordinal);
        var one = ml.Data.LoadFromEnumerable([new NumberRow { Text = "a", Words = 1 }, new NumberRow { Text = "b", Words = 1 }]);
        Assert.Contains("classes need a text or Boolean label", Assert.Throws<ArgumentOutOfRangeException>(
            () => sweep.Run(ml, one, Model, options with { LabelColumnName = "Words", Task = SweepTask.Multiclass })).Message, StringComparison.Ordinal);
        Assert.Contains("Folds is 1", Assert.Throws<ArgumentOutOfRangeException>(() => sweep.Run(ml, data, Model, options with { LabelColumnName = "Label", Folds = 1 })).Message, StringComparison.Ordinal);
        Assert.Contains("time budget", Assert.Throws<TimeoutException>(
            () => sweep.Run(ml, data, Model, options with { LabelColumnName = "Label", TimeBudget = TimeSpan.FromTicks(1) })).Message, StringComparison.Ordinal);
    }

    private static IDataView Rows(MLContext ml, string dataset, string file, int count) =>
        ml.Data.TakeRows(ml.Data.LoadFromTextFile<LabelledText>(Path.Combine(Datasets, dataset, file), hasHeader: true, allowQuoting: false), count);

    private sealed class LabelledText
    {
        [LoadColumn(0)]
        public string Label { get; set; } = string.Empty;

        [LoadColumn(1)]
        public string Text { get; set; } = string.Empty;
    }

    private sealed class PairRow
    {
        [LoadColumn(0)]
        public string Label { get; set; } = string.Empty;

        [LoadColumn(1)]
        public string First { get; set; } = string.Empty;

        [LoadColumn(2)]
        public string Second { get; set; } = string.Empty;
    }

    private sealed class NumberRow
    {
        public string Text { get; set; } = string.Empty;

        public float Words { get; set; }
    }

    // Reports on the calling thread, in order (System.Progress posts to the thread pool).
    private sealed class Progress(Action<SweepProgress> report) : IProgress<SweepProgress>
    {
        public void Report(SweepProgress value) => report(value);
    }

    private sealed class GroupedRow
    {
        public string Label { get; set; } = string.Empty;

        public string Text { get; set; } = string.Empty;

        public string Group { get; set; } = string.Empty;
    }
}
