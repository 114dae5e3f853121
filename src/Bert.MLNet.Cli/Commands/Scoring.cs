using System.Text.Json;
using Bert.MLNet.Trainers;

namespace Bert.MLNet.Cli.Commands;

/// <summary>Scores a model on labeled data and reports the metrics as a line of text or as JSON.</summary>
internal static class Scoring
{
    internal static Evaluation Evaluate(TrainedModel model, LabeledData data)
    {
        var output = model.Predict(data.Features);
        if (model.Classes is null)
        {
            return new Evaluation(model, data.Count, null, null, RegressionMetrics.Compute(data.Targets!, output));
        }

        var classes = model.Classes.Count;
        var multiclass = MulticlassMetrics.Compute(data.ClassIndices!, output, classes);
        BinaryMetrics? binary = null;
        if (classes == 2)
        {
            var positive = data.ClassIndices!.Select(c => c == 1).ToArray();
            var probability = Enumerable.Range(0, data.Count).Select(r => output[(r * 2) + 1]).ToArray();
            binary = BinaryMetrics.Compute(positive, probability);
        }

        return new Evaluation(model, data.Count, multiclass, binary, null);
    }

    internal static string Summary(Evaluation e) => e switch
    {
        { Regression: { } r } => $"RMSE {r.Rmse:G5}, MAE {r.Mae:G5}, R² {r.RSquared:F4}",
        { Binary: { } b } => $"accuracy {b.Accuracy:P2}, AUC {b.Auc:F4}, F1 {b.F1:F4}, log-loss {b.LogLoss:F4}",
        { Multiclass: { } m } => $"accuracy {m.MicroAccuracy:P2}, macro accuracy {m.MacroAccuracy:P2}, macro F1 {m.MacroF1:F4}, log-loss {m.LogLoss:F4}",
        _ => string.Empty,
    };

    internal static void WriteJson(Evaluation e, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("task", e.Model.Kind switch
        {
            PredictionKind.BinaryClassification => "binary",
            PredictionKind.MulticlassClassification => "multiclass",
            _ => "regression",
        });
        json.WriteNumber("rows", e.Rows);
        if (e.Regression is { } r)
        {
            Number(json, "rmse", r.Rmse);
            Number(json, "mae", r.Mae);
            Number(json, "rSquared", r.RSquared);
        }

        if (e.Multiclass is { } m)
        {
            Number(json, "accuracy", m.MicroAccuracy);
            Number(json, "macroAccuracy", m.MacroAccuracy);
            Number(json, "logLoss", m.LogLoss);
            Number(json, "macroF1", m.MacroF1);
        }

        if (e.Binary is { } b)
        {
            Number(json, "auc", b.Auc);
            Number(json, "f1", b.F1);
            Number(json, "precision", b.Precision);
            Number(json, "recall", b.Recall);
            json.WriteString("positiveClass", e.Model.Classes![1]);
        }

        if (e.Multiclass is { } classes)
        {
            json.WriteStartArray("classes");
            for (var c = 0; c < e.Model.Classes!.Count; c++)
            {
                json.WriteStartObject();
                json.WriteString("label", e.Model.Classes[c]);
                Number(json, "precision", classes.PerClassPrecision[c]);
                Number(json, "recall", classes.PerClassRecall[c]);
                Number(json, "f1", classes.PerClassF1[c]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("confusionMatrix");
            foreach (var row in classes.ConfusionMatrix)
            {
                json.WriteStartArray();
                foreach (var count in row)
                {
                    json.WriteNumberValue(count);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    // JSON has no NaN: an undefined metric (AUC with one class present, R² of a constant truth) is null.
    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    internal sealed record Evaluation(TrainedModel Model, int Rows, MulticlassMetrics? Multiclass, BinaryMetrics? Binary, RegressionMetrics? Regression);
}
