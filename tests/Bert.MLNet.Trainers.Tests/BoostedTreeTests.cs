using Bert.MLNet.Trainers.Trees;

namespace Bert.MLNet.Trainers.Tests;

public sealed class BoostedTreeTests
{
    private static readonly BoostedTreeOptions Exact = new() { Trees = 1, Leaves = 2, MinExamplesPerLeaf = 1, LearningRate = 1, L2Regularization = 0 };

    [Fact]
    public void AStumpSplitsHalfwayBetweenValuesAndPredictsEachSidesMean()
    {
        var data = LabeledData.ForRegression(new FeatureMatrix([1, 2, 3, 4], 4, 1), [1, 1, 3, 3]);
        var model = new BoostedTreeTrainer(Exact).Fit(data);

        Assert.Equal(PredictionKind.Regression, model.Kind);
        Assert.Equal(1.0, Predict(model, 1), 6);
        Assert.Equal(1.0, Predict(model, 2.5f), 6);
        Assert.Equal(3.0, Predict(model, 2.5000002f), 6);
        Assert.Equal(3.0, Predict(model, 100), 6);
        Assert.Equal([2], model.LeafCounts);
    }

    [Fact]
    public void L2ShrinksLeafValuesToMinusGOverHPlusLambda()
    {
        var data = LabeledData.ForRegression(new FeatureMatrix([1, 2, 3, 4], 4, 1), [1, 1, 3, 3]);
        var model = new BoostedTreeTrainer(Exact with { L2Regularization = 1 }).Fit(data);

        // Base 2; left gradients 1 + 1 = 2, hessians 2: 2 - 2 / (2 + 1). Right mirrors it.
        Assert.Equal(2 - (2.0 / 3), Predict(model, 1), 6);
        Assert.Equal(2 + (2.0 / 3), Predict(model, 4), 6);
    }

    [Fact]
    public void TwoLeafLogisticTreesTakeNewtonStepsFromTheLogOddsOfThePrior()
    {
        // x = 0: labels 0, 0, 0, 1; x = 1: labels 1, 1, 1, 0.
        var x = new float[] { 0, 0, 0, 0, 1, 1, 1, 1 };
        var y = new[] { 0, 0, 0, 1, 1, 1, 1, 0 };
        var data = LabeledData.ForClassification(new FeatureMatrix(x, 8, 1), y);
        var options = Exact with { Trees = 2, L2Regularization = 1, LearningRate = 0.5 };
        var model = new BoostedTreeTrainer(options).Fit(data);

        // By hand: the prior is 1/2, so the base score is 0; each round adds -G / (H + 1) * 0.5 per side.
        double left = 0, right = 0;
        for (var round = 0; round < 2; round++)
        {
            left += Step(left, [0, 0, 0, 1]);
            right += Step(right, [1, 1, 1, 0]);
        }

        Assert.Equal(Sigmoid(left), Probability(model, 0), 1e-6);
        Assert.Equal(Sigmoid(right), Probability(model, 1), 1e-6);
        // One round alone: G = 4 * 0.5 - 1 = 1, H = 4 * 0.25 = 1, so the left leaf is -1 / (1 + 1) * 0.5.
        var oneRound = new BoostedTreeTrainer(options with { Trees = 1 }).Fit(data);
        Assert.Equal(Sigmoid(-0.25), Probability(oneRound, 0), 1e-6);

        static double Step(double score, int[] labels)
        {
            var p = Sigmoid(score);
            var g = labels.Sum(l => p - l);
            var h = labels.Length * p * (1 - p);
            return -g / (h + 1) * 0.5;
        }
    }

    [Fact]
    public void GradientsAndHessiansAreTheDerivativesOfTheLoss()
    {
        var random = new Random(3);
        foreach (var (kind, slots) in new[] { (PredictionKind.BinaryClassification, 1), (PredictionKind.MulticlassClassification, 4), (PredictionKind.Regression, 1) })
        {
            const int Rows = 20;
            var features = new FeatureMatrix(new float[Rows], Rows, 1);
            var data = kind == PredictionKind.Regression
                ? LabeledData.ForRegression(features, Enumerable.Range(0, Rows).Select(_ => (float)random.NextDouble()).ToArray())
                : LabeledData.ForClassification(features, Enumerable.Range(0, Rows).Select(r => r % Math.Max(2, slots)).ToArray());
            var scores = Enumerable.Range(0, Rows * slots).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            var gradients = Enumerable.Range(0, slots).Select(_ => new double[Rows]).ToArray();
            var hessians = Enumerable.Range(0, slots).Select(_ => new double[Rows]).ToArray();
            Objectives.Gradients(kind, data, scores, slots, gradients, hessians, 1);

            // Summed loss (regression: half the squared error, whose derivatives the trees use).
            double Total(double[] s) => kind == PredictionKind.Regression
                ? Math.Pow(Objectives.Loss(kind, data, s, slots, 1), 2) * Rows / 2
                : Objectives.Loss(kind, data, s, slots, 1) * Rows;

            for (var r = 0; r < Rows; r++)
            {
                for (var k = 0; k < slots; k++)
                {
                    var i = (r * slots) + k;
                    var saved = scores[i];
                    double At(double delta)
                    {
                        scores[i] = saved + delta;
                        var value = Total(scores);
                        scores[i] = saved;
                        return value;
                    }

                    Assert.Equal((At(1e-5) - At(-1e-5)) / 2e-5, gradients[k][r], 1e-6);
                    Assert.Equal((At(1e-3) - (2 * At(0)) + At(-1e-3)) / 1e-6, hessians[k][r], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void SeparableClassesAreLearnedPerfectly()
    {
        var data = TestData.Blobs(600, 5, 3, spread: 20, seed: 1);
        var model = new BoostedTreeTrainer().Fit(data);
        Assert.Equal(PredictionKind.MulticlassClassification, model.Kind);
        Assert.Equal(data.ClassIndices, model.PredictClasses(data.Features));
        Assert.Equal(100 * 3, model.TreeCount);
        var probabilities = model.Predict(data.Features);
        for (var r = 0; r < data.Count; r++)
        {
            Assert.Equal(1.0, probabilities.AsSpan(r * 3, 3).ToArray().Sum(), 5);
        }
    }

    [Fact]
    public void TreesRespectTheLeafLimitAndTheMinimumExamplesPerLeaf()
    {
        var data = TestData.Blobs(2_000, 8, 2, spread: 2, seed: 2);
        var options = new BoostedTreeOptions { Trees = 20, Leaves = 7, MinExamplesPerLeaf = 40 };
        var model = new BoostedTreeTrainer(options).Fit(data);
        Assert.All(model.LeafCounts, leaves => Assert.InRange(leaves, 1, 7));
        Assert.Contains(7, model.LeafCounts);
        foreach (var tree in model.Trees)
        {
            var perLeaf = Enumerable.Range(0, data.Count).GroupBy(r => tree.LeafOf(data.Features[r])).Select(g => g.Count());
            Assert.All(perLeaf, count => Assert.True(count >= 40, $"a leaf holds {count} rows"));
        }
    }

    [Fact]
    public void MissingValuesLearnTheDirectionThatHelps()
    {
        // Feature 0 is missing exactly for class 1 rows; otherwise it carries no signal.
        var random = new Random(5);
        var rows = 400;
        var values = new float[rows];
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            labels[r] = r % 2;
            values[r] = labels[r] == 1 ? float.NaN : (float)random.NextDouble();
        }

        var model = new BoostedTreeTrainer(new BoostedTreeOptions { Trees = 30 }).Fit(LabeledData.ForClassification(new FeatureMatrix(values, rows, 1), labels));
        Assert.True(Probability(model, float.NaN) > 0.95);
        Assert.True(Probability(model, 0.5f) < 0.05);
    }

    [Fact]
    public void UnseenMissingValuesFollowTheLargerSide()
    {
        // 30 rows at x < 0 (class 0), 10 at x > 0 (class 1); no missing values in training.
        var values = Enumerable.Range(0, 40).Select(i => i < 30 ? -1f - i : 1f + i).ToArray();
        var labels = Enumerable.Range(0, 40).Select(i => i < 30 ? 0 : 1).ToArray();
        var model = new BoostedTreeTrainer(Exact with { L2Regularization = 1 }).Fit(LabeledData.ForClassification(new FeatureMatrix(values, 40, 1), labels));
        Assert.Equal(Probability(model, -5), Probability(model, float.NaN));
    }

    [Fact]
    public void ImportanceGoesToTheInformativeFeature()
    {
        var random = new Random(9);
        var rows = 1_000;
        var values = new float[rows * 4];
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var f = 0; f < 4; f++)
            {
                values[(r * 4) + f] = (float)random.NextDouble();
            }

            labels[r] = values[(r * 4) + 2] > 0.5 ? 1 : 0;
        }

        var model = new BoostedTreeTrainer(new BoostedTreeOptions { Trees = 10 }).Fit(LabeledData.ForClassification(new FeatureMatrix(values, rows, 4), labels));
        var importance = model.FeatureImportance();
        Assert.Equal(1.0, importance.Sum(), 9);
        Assert.True(importance[2] > 0.9, $"importance {string.Join(", ", importance)}");
    }

    [Fact]
    public void EarlyStoppingKeepsTheRoundWithTheBestValidationLoss()
    {
        // Overlapping classes: the validation loss turns upward long before 300 rounds.
        var all = TestData.Blobs(1_200, 6, 2, spread: 1.2, seed: 4);
        var (training, validation) = all.Split(0.3, seed: 1);
        var reports = new List<TrainingProgress>();
        var options = new BoostedTreeOptions { Trees = 300, LearningRate = 0.3, EarlyStoppingRounds = 5 };
        var model = new BoostedTreeTrainer(options).Fit(training, validation, new SynchronousProgress<TrainingProgress>(reports.Add));

        Assert.True(reports.Count < 300, "training stopped early");
        var best = reports.MinBy(r => r.ValidationLoss!.Value);
        Assert.Equal(best.Iteration, model.Rounds);
        Assert.Equal(best.Iteration + 5, reports.Count);
        var probabilities = model.Predict(validation.Features);
        var loss = -Enumerable.Range(0, validation.Count).Average(r => Math.Log(probabilities[(r * 2) + validation.ClassIndices![r]]));
        Assert.Equal(best.ValidationLoss!.Value, loss, 5);
    }

    [Fact]
    public void ThreadsDoNotChangeTheModel()
    {
        var data = TestData.Blobs(5_000, 40, 4, spread: 3, seed: 6);
        var options = new BoostedTreeOptions { Trees = 15, RowFraction = 0.7, FeatureFraction = 0.6, Seed = 3 };
        var one = new BoostedTreeTrainer(options with { Threads = 1 }).Fit(data).Predict(data.Features);
        var four = new BoostedTreeTrainer(options with { Threads = 4 }).Fit(data).Predict(data.Features);
        Assert.Equal(one, four);
        var otherSeed = new BoostedTreeTrainer(options with { Seed = 4 }).Fit(data).Predict(data.Features);
        Assert.NotEqual(one, otherSeed);
    }

    [Fact]
    public void MatchesXgboostAccuracyOnBreastCancer()
    {
        var training = TestData.ReadCsv("breast-cancer-train.csv", "diagnosis");
        var test = TestData.ReadCsv("breast-cancer-test.csv", "diagnosis");
        var model = new BoostedTreeTrainer().Fit(training);
        var accuracy = model.PredictClasses(test.Features).Zip(test.ClassIndices!).Average(p => p.First == p.Second ? 1.0 : 0.0);

        using var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestData.Golden("xgboost.json")));
        var xgboost = golden.RootElement.GetProperty("accuracy").GetDouble();
        Assert.True(accuracy >= xgboost - 0.01, $"accuracy {accuracy:P2}; xgboost {xgboost:P2}");
    }

    [Fact]
    public void BadDataAndOptionsAreRefusedWithTheReason()
    {
        var features = new FeatureMatrix([1, 2, 3], 3, 1);
        var single = Assert.Throws<ArgumentException>(() => new BoostedTreeTrainer().Fit(LabeledData.ForClassification(features, ["a", "a", "a"])));
        Assert.Contains("'a'", single.Message);
        Assert.Contains("two classes", single.Message);

        var leaves = Assert.Throws<ArgumentOutOfRangeException>(() => new BoostedTreeTrainer(new BoostedTreeOptions { Leaves = 1 }).Fit(LabeledData.ForClassification(features, [0, 1, 0])));
        Assert.Contains("Leaves", leaves.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoostedTreeTrainer(new BoostedTreeOptions { RowFraction = 0 }).Fit(LabeledData.ForClassification(features, [0, 1, 0])));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoostedTreeTrainer(new BoostedTreeOptions { MaxBins = 256 }).Fit(LabeledData.ForClassification(features, [0, 1, 0])));

        var binary = Assert.Throws<ArgumentException>(() =>
            new BoostedTreeTrainer(new BoostedTreeOptions { Task = PredictionKind.BinaryClassification }).Fit(LabeledData.ForClassification(features, [0, 1, 2])));
        Assert.Contains("3 classes", binary.Message);

        var validation = LabeledData.ForClassification(new FeatureMatrix([1, 2, 3, 4], 2, 2), [0, 1]);
        Assert.Contains("features", Assert.Throws<ArgumentException>(() => new BoostedTreeTrainer().Fit(LabeledData.ForClassification(features, [0, 1, 0]), validation)).Message);

        var infinite = Assert.Throws<ArgumentException>(() => new FeatureMatrix([1, float.PositiveInfinity], 2, 1));
        Assert.Contains("Row 1", infinite.Message);
    }

    private static double Predict(TrainedModel model, float x)
    {
        var output = new float[model.OutputCount];
        model.Predict([x], output);
        return output[0];
    }

    private static double Probability(TrainedModel model, float x)
    {
        var output = new float[2];
        model.Predict([x], output);
        return output[1];
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
