namespace Bert.MLNet.Trainers.Tests;

public sealed class MetricsTests
{
    [Fact]
    public void BinaryMetricsMatchHandCounts()
    {
        // Truth and probabilities; at 0.5: TP = 2 (0.9, 0.6), FP = 1 (0.7), TN = 2 (0.2, 0.1), FN = 1 (0.4).
        bool[] truth = [true, true, false, true, false, false];
        float[] p = [0.9f, 0.6f, 0.7f, 0.4f, 0.2f, 0.1f];
        var m = BinaryMetrics.Compute(truth, p);

        Assert.Equal((2, 1, 2, 1), m.Counts);
        Assert.Equal(4.0 / 6, m.Accuracy, 12);
        Assert.Equal(2.0 / 3, m.Precision, 12);
        Assert.Equal(2.0 / 3, m.Recall, 12);
        Assert.Equal(2.0 / 3, m.F1, 12);

        // AUC: of the 9 positive-negative pairs the positive scores higher in 7; 0.6 and 0.4 both lose to 0.7.
        Assert.Equal(7.0 / 9, m.Auc, 12);
        var expectedLogLoss = -(Math.Log(0.9f) + Math.Log(0.6f) + Math.Log(1 - 0.7f) + Math.Log(0.4f) + Math.Log(1 - 0.2f) + Math.Log(1 - 0.1f)) / 6;
        Assert.Equal(expectedLogLoss, m.LogLoss, 6);
    }

    [Fact]
    public void AucCountsTiesAsHalf()
    {
        Assert.Equal(0.5, BinaryMetrics.AreaUnderRoc([true, false], [0.3f, 0.3f]), 12);
        // Pairs (positive, negative): (0.5, 0.5) half, (0.5, 0.1), (0.9, 0.5), (0.9, 0.1) wins: 3.5 of 4.
        Assert.Equal(0.875, BinaryMetrics.AreaUnderRoc([true, false, true, false], [0.5f, 0.5f, 0.9f, 0.1f]), 12);
        Assert.True(double.IsNaN(BinaryMetrics.AreaUnderRoc([true, true], [0.1f, 0.2f])));
    }

    [Fact]
    public void PerfectAndHopelessPredictionsHitTheBounds()
    {
        var perfect = BinaryMetrics.Compute([true, false], [1f, 0f]);
        Assert.Equal(1, perfect.Accuracy);
        Assert.Equal(1, perfect.Auc);
        Assert.True(perfect.LogLoss < 1e-14);
        var hopeless = BinaryMetrics.Compute([true, false], [0f, 1f]);
        Assert.Equal(0, hopeless.F1);
        Assert.Equal(-Math.Log(1e-15), hopeless.LogLoss, 6);
    }

    [Fact]
    public void MulticlassMetricsMatchHandCounts()
    {
        // Truth 0,0,0,1,1,2; predicted 0,0,1,1,2,2.
        int[] truth = [0, 0, 0, 1, 1, 2];
        int[] predicted = [0, 0, 1, 1, 2, 2];
        var probabilities = new float[6 * 3];
        for (var r = 0; r < 6; r++)
        {
            probabilities[(r * 3) + predicted[r]] = 0.6f;
            probabilities[(r * 3) + ((predicted[r] + 1) % 3)] = 0.3f;
            probabilities[(r * 3) + ((predicted[r] + 2) % 3)] = 0.1f;
        }

        var m = MulticlassMetrics.Compute(truth, probabilities, 3);
        Assert.Equal(4.0 / 6, m.MicroAccuracy, 12);
        Assert.Equal(((2.0 / 3) + 0.5 + 1) / 3, m.MacroAccuracy, 12);
        Assert.Equal([[2, 1, 0], [0, 1, 1], [0, 0, 1]], m.ConfusionMatrix);
        Assert.Equal([1, 0.5, 0.5], m.PerClassPrecision);
        Assert.Equal([2.0 / 3, 0.5, 1], m.PerClassRecall);
        Assert.Equal(0.8, m.PerClassF1[0], 12);
        Assert.Equal(2.0 / 3, m.PerClassF1[2], 12);

        // True-class probabilities: 0.6, 0.6, 0.1 (row 2 predicted 1, so class 0 got (1 + 2) % 3 = 0's 0.1), 0.6, 0.1, 0.6.
        var expected = -((4 * Math.Log(0.6f)) + (2 * Math.Log(0.1f))) / 6;
        Assert.Equal(expected, m.LogLoss, 6);
        Assert.Equal(m.MicroAccuracy, MulticlassMetrics.Compute(truth, predicted, 3).MicroAccuracy);
    }

    [Fact]
    public void RegressionMetricsMatchHandComputation()
    {
        var m = RegressionMetrics.Compute([1, 2, 3, 4], [1, 3, 3, 2]);
        Assert.Equal(Math.Sqrt(5.0 / 4), m.Rmse, 12);
        Assert.Equal(3.0 / 4, m.Mae, 12);
        Assert.Equal(1 - (5 / 5.0), m.RSquared, 12);
        Assert.True(double.IsNaN(RegressionMetrics.Compute([2, 2], [1, 3]).RSquared));
    }

    [Fact]
    public void CorrelationsMatchHandComputation()
    {
        Assert.Equal(1, Correlation.Pearson([1, 2, 3], [2, 4, 6]), 12);
        Assert.Equal(-1, Correlation.Pearson([1, 2, 3], [3, 2, 1]), 12);

        // x = 1..5, y = 2, 1, 4, 3, 5: Pearson r = sum(dx dy) / sqrt(sum dx^2 sum dy^2) = 8 / 10.
        Assert.Equal(0.8, Correlation.Pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]), 12);

        // Monotone but not linear: Spearman 1, Pearson below 1.
        double[] x = [1, 2, 3, 4];
        double[] y = [1, 10, 100, 1000];
        Assert.Equal(1, Correlation.Spearman(x, y), 12);
        Assert.True(Correlation.Pearson(x, y) < 0.9);

        // Ties share their average rank: y ranks 1.5, 1.5, 3, 4 against 1, 2, 3, 4.
        Assert.Equal(Correlation.Pearson([1, 2, 3, 4], [1.5, 1.5, 3, 4]), Correlation.Spearman([1, 2, 3, 4], [7, 7, 8, 9]), 12);
        Assert.True(double.IsNaN(Correlation.Pearson([1, 1], [1, 2])));
    }

    [Fact]
    public void MismatchedOrEmptyInputsAreRefused()
    {
        Assert.Contains("pair up", Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([true], [0.1f, 0.2f])).Message);
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => RegressionMetrics.Compute([], [])).Message);
        Assert.Contains("Row 0", Assert.Throws<ArgumentException>(() => BinaryMetrics.Compute([true], [1.5f])).Message);
        Assert.Contains("Row 1", Assert.Throws<ArgumentException>(() => MulticlassMetrics.Compute([0, 3], [0, 1], 3)).Message);
    }
}
