using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Data;

/// <summary>One row's prediction: the label with one probability per class (in <see cref="ModelInfo.Classes"/> order), or a regression's score.</summary>
internal readonly record struct Prediction(string? Label, float[]? Probabilities, float Score);

/// <summary>Reads the predictions of a model <c>train</c> wrote from its scored rows, as <c>predict</c> writes them and <c>serve</c> answers them.</summary>
internal static class Predictions
{
    /// <summary>Each scored row's prediction, in row order; the token is checked between rows.</summary>
    internal static IEnumerable<Prediction> Read(IDataView scored, ModelInfo info, CancellationToken cancellation)
    {
        using var cursor = scored.GetRowCursor(scored.Schema.Where(c => c.Name is "PredictedLabel" or "Score" or "Probability"));
        var score = info.IsRegression ? cursor.GetGetter<float>(cursor.Schema["Score"]) : null;
        var vector = info.IsRegression || info.IsBinary ? null : cursor.GetGetter<VBuffer<float>>(cursor.Schema["Score"]);
        var probability = info.IsBinary ? cursor.GetGetter<float>(cursor.Schema["Probability"]) : null;
        var label = info.IsRegression ? null : cursor.GetGetter<ReadOnlyMemory<char>>(cursor.Schema["PredictedLabel"]);
        float value = 0;
        VBuffer<float> values = default;
        ReadOnlyMemory<char> text = default;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            if (info.IsRegression)
            {
                score!(ref value);
                yield return new Prediction(null, null, value);
                continue;
            }

            label!(ref text);
            if (probability is not null)
            {
                probability(ref value);
                yield return new Prediction(text.ToString(), [1 - value, value], float.NaN);
            }
            else
            {
                vector!(ref values);
                yield return new Prediction(text.ToString(), [.. values.DenseValues()], float.NaN);
            }
        }
    }
}
