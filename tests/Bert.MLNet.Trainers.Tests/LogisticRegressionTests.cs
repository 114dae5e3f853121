using System.Text.Json;
using Bert.MLNet.Trainers.Linear;

namespace Bert.MLNet.Trainers.Tests;

public sealed class LogisticRegressionTests
{
    private static readonly LogisticRegressionOptions L2Only = new() { L1Regularization = 0, L2Regularization = 1, Standardize = false, Tolerance = 1e-12 };

    [Fact]
    public void BinaryWeightsMatchScikitLearnAtTheSameOptimum()
    {
        var data = TestData.ReadCsv("breast-cancer-train.csv", "diagnosis");
        var model = new LogisticRegressionTrainer(L2Only).Fit(data);
        var golden = Golden("binary");

        Assert.Equal(PredictionKind.BinaryClassification, model.Kind);
        Assert.Equal(["benign", "malignant"], model.Classes!.Names);
        AssertClose(golden.Weights[0], model.Weights.ToArray(), 1e-4);
        Assert.Equal(golden.Biases[0], model.Biases[0], 1e-4);
        Assert.True(model.Converged);
    }

    [Fact]
    public void MultinomialWeightsMatchScikitLearnAtTheSameOptimum()
    {
        var data = TestData.ReadCsv("wine-train.csv", "cultivar");
        var model = new LogisticRegressionTrainer(L2Only).Fit(data);
        var golden = Golden("multinomial");

        Assert.Equal(PredictionKind.MulticlassClassification, model.Kind);
        var columns = data.Features.Columns;
        for (var k = 0; k < 3; k++)
        {
            AssertClose(golden.Weights[k], model.Weights.Slice(k * columns, columns).ToArray(), 1e-4);
            Assert.Equal(golden.Biases[k], model.Biases[k], 1e-4);
        }
    }

    [Fact]
    public void TheLossGradientIsTheDerivativeOfTheLoss()
    {
        var random = new Random(11);
        foreach (var slots in new[] { 1, 3 })
        {
            const int Rows = 30, Columns = 4;
            var features = Enumerable.Range(0, Rows * Columns).Select(_ => (float)TestData.Normal(random)).ToArray();
            var labels = Enumerable.Range(0, Rows).Select(r => r % Math.Max(2, slots)).ToArray();
            var loss = new LogisticLoss(features, labels, Columns, slots, l2: 0.7, threads: 2);
            var parameters = Enumerable.Range(0, loss.ParameterCount).Select(_ => TestData.Normal(random)).ToArray();
            var gradient = new double[parameters.Length];
            loss.Evaluate(parameters, gradient);
            var scratch = new double[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                var saved = parameters[i];
                parameters[i] = saved + 1e-6;
                var up = loss.Evaluate(parameters, scratch);
                parameters[i] = saved - 1e-6;
                var down = loss.Evaluate(parameters, scratch);
                parameters[i] = saved;
                Assert.Equal((up - down) / 2e-6, gradient[i], 1e-5);
            }
        }
    }

    [Fact]
    public void L1OptimumMeetsTheSubgradientConditionsAndIsSparse()
    {
        var data = TestData.ReadCsv("breast-cancer-train.csv", "diagnosis");
        const double L1 = 4;
        var model = new LogisticRegressionTrainer(L2Only with { L1Regularization = L1, L2Regularization = 0 }).Fit(data);

        // The smooth part's gradient g at the optimum: g_j = -L1 * sign(w_j) where w_j != 0, |g_j| <= L1 where w_j = 0.
        var columns = data.Features.Columns;
        var gradient = new double[columns];
        var bias = 0.0;
        for (var r = 0; r < data.Count; r++)
        {
            var row = data.Features[r];
            var z = model.Biases[0];
            for (var j = 0; j < columns; j++)
            {
                z += model.Weights[j] * row[j];
            }

            var residual = (1 / (1 + Math.Exp(-z))) - data.ClassIndices![r];
            bias += residual;
            for (var j = 0; j < columns; j++)
            {
                gradient[j] += residual * row[j];
            }
        }

        Assert.Equal(0, bias, 1e-3);
        var zeros = 0;
        for (var j = 0; j < columns; j++)
        {
            if (model.Weights[j] == 0)
            {
                zeros++;
                Assert.True(Math.Abs(gradient[j]) <= L1 + 1e-3, $"feature {j}: |g| = {Math.Abs(gradient[j])} at a zero weight");
            }
            else
            {
                Assert.Equal(-L1 * Math.Sign(model.Weights[j]), gradient[j], 1e-2);
            }
        }

        Assert.True(zeros >= columns / 2, $"only {zeros} of {columns} weights are zero");
    }

    [Fact]
    public void StandardizationChangesOnlyHowPenaltiesWeighFeaturesNotTheUnpenalizedFit()
    {
        // Without penalties the optimum does not depend on feature scaling: both paths find the same predictions.
        var data = TestData.Blobs(300, 3, 3, spread: 1.5, seed: 8);
        var scaled = new FeatureMatrix(data.Features.Values.ToArray().Select((v, i) => i % 3 == 0 ? v * 1000 : v).ToArray(), data.Count, 3);
        var scaledData = LabeledData.ForClassification(scaled, data.ClassIndices!, 3);
        var options = new LogisticRegressionOptions { L1Regularization = 0, L2Regularization = 0, Tolerance = 1e-12 };
        var standardized = new LogisticRegressionTrainer(options).Fit(scaledData).Predict(scaled);
        var raw = new LogisticRegressionTrainer(options with { Standardize = false, MaxIterations = 10_000 }).Fit(scaledData).Predict(scaled);
        for (var i = 0; i < raw.Length; i++)
        {
            Assert.Equal(raw[i], standardized[i], 1e-3);
        }
    }

    [Fact]
    public void MissingValuesCountAsTheTrainingMean()
    {
        var data = TestData.Blobs(200, 2, 2, spread: 3, seed: 2);
        var model = new LogisticRegressionTrainer().Fit(data);
        var mean0 = Enumerable.Range(0, data.Count).Average(r => (double)data.Features[r][0]);
        var withMean = new float[2];
        var withNaN = new float[2];
        model.Predict([(float)mean0, 1.5f], withMean);
        model.Predict([float.NaN, 1.5f], withNaN);
        Assert.Equal(withMean[1], withNaN[1], 1e-5);
    }

    [Fact]
    public void RegressionTargetsAndBadOptionsAreRefused()
    {
        var features = new FeatureMatrix([1, 2, 3], 3, 1);
        Assert.Contains("class labels", Assert.Throws<ArgumentException>(() => new LogisticRegressionTrainer().Fit(LabeledData.ForRegression(features, [1, 2, 3]))).Message);
        Assert.Contains("L2Regularization", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new LogisticRegressionTrainer(new LogisticRegressionOptions { L2Regularization = -1 }).Fit(LabeledData.ForClassification(features, [0, 1, 0]))).Message);
    }

    private static (double[][] Weights, double[] Biases) Golden(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestData.Golden("logistic.json")));
        var node = json.RootElement.GetProperty(name);
        var weights = node.GetProperty("weights").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        return (weights, node.GetProperty("biases").EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"weight {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
