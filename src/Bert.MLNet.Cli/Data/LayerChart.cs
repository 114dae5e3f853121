using Bert.MLNet.Featurization;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// The per-layer chart (ScottPlot, PNG): each hidden state's cross-validated score alone, with its deviation over the
/// folds, for the pooling and trainer of the best candidate with BERT features, against ML.NET's FeaturizeText with that trainer.
/// </summary>
internal static class LayerChart
{
    internal static void Write(string path, SweepResult result)
    {
        var plot = new ScottPlot.Plot();
        plot.XLabel("hidden state (0 = embeddings)");
        plot.YLabel(result.MetricName);
        var bestBert = result.Leaderboard.FirstOrDefault(e => e.Features.Pooling is not null);
        if (result.LayerCurve.Count > 0 && bestBert is not null)
        {
            double[] layers = [.. result.LayerCurve.Select(l => (double)l.Layer)];
            double[] scores = [.. result.LayerCurve.Select(l => l.Score)];
            var line = plot.Add.Scatter(layers, scores);
            line.LineWidth = 2;
            line.MarkerSize = 8;
            line.LegendText = $"one hidden state, {FeaturizationSweep.PoolingName(bestBert.Features.Pooling!.Value)} pooling";
            plot.Add.ErrorBar(layers, scores, [.. result.LayerCurve.Select(l => l.StandardDeviation)]);
            plot.Axes.Bottom.SetTicks(layers, [.. result.LayerCurve.Select(l => l.Layer.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            if (result.Leaderboard.FirstOrDefault(e => e.Features.Pooling is null && e.Trainer == bestBert.Trainer) is { } text)
            {
                var baseline = plot.Add.HorizontalLine(text.Score);
                baseline.LinePattern = ScottPlot.LinePattern.Dashed;
                baseline.LegendText = "ML.NET FeaturizeText";
            }

            plot.Title($"Which layer? {result.MetricName} by hidden state ({bestBert.Trainer}, cross-validated)");
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        }
        else
        {
            plot.Title("No per-layer scores: the time budget ended before single layers were scored");
        }

        plot.SavePng(path, 800, 480);
    }
}
