using System.Text.Json;
using Bert.MLNet.Cli.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Serving;

/// <summary>
/// <c>POST /predict</c>: a row of the trained model's input columns as a JSON object (or an array of them), answered with
/// <c>PredictedLabel</c> and <c>Probabilities</c> by class, or a regression's <c>Score</c> (an array for an array). Text
/// columns are strings and must be there; numeric columns are numbers; the label may be left out.
/// </summary>
internal static class PredictEndpoint
{
    internal static async Task Answer(HttpContext context, ServedModels served)
    {
        var predictor = served.Predictor
            ?? throw new ApiError(StatusCodes.Status404NotFound, "This server has no trained model; start it with --model-zip DIR/model.zip to answer /predict.");
        using var document = await JsonRequest.ReadAsync(context.Request, served.Limits.MaxRequestBytes, context.RequestAborted);
        var body = document.RootElement;
        var many = body.ValueKind == JsonValueKind.Array;
        if (!many && body.ValueKind != JsonValueKind.Object)
        {
            throw ApiError.BadRequest($"The request body must be a JSON object (one row) or an array of them, not {JsonRequest.Kind(body)}.");
        }

        var items = many ? [.. body.EnumerateArray()] : new[] { body };
        if (items.Length == 0 || items.Length > served.Limits.MaxInputs)
        {
            throw items.Length == 0
                ? ApiError.BadRequest("The request holds no rows; give a JSON object of the model's columns.")
                : ApiError.TooLarge($"The request holds {items.Length} rows; this server takes at most {served.Limits.MaxInputs} (--max-inputs).");
        }

        var info = predictor.Info;
        var columns = predictor.Input.Where(c => !c.IsHidden).Select(c => (c.Name, Type: c.Type == NumberDataViewType.Single ? NumberDataViewType.Single : (DataViewType)TextDataViewType.Instance)).ToArray();
        var rows = new object[items.Length][];
        for (var r = 0; r < items.Length; r++)
        {
            rows[r] = Row(items[r], many ? $"row {r}" : "the row", columns, info);
        }

        var cancellation = context.RequestAborted;
        var predictions = await Task.Run(() => Predictions.Read(predictor.Model.Transform(new RowsDataView(columns, rows)), info, cancellation).ToArray(), cancellation);
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        if (many)
        {
            json.WriteStartArray();
        }

        foreach (var prediction in predictions)
        {
            json.WriteStartObject();
            if (info.IsRegression)
            {
                json.WriteNumber("Score", prediction.Score);
            }
            else
            {
                json.WriteString("PredictedLabel", prediction.Label);
                json.WriteStartObject("Probabilities");
                for (var c = 0; c < info.Classes.Count; c++)
                {
                    json.WriteNumber(info.Classes[c], prediction.Probabilities![c]);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        if (many)
        {
            json.WriteEndArray();
        }

        await json.FlushAsync(cancellation);
    }

    // One row's values in the model's columns: texts required, the label and other columns optional (empty, or NaN).
    private static object[] Row(JsonElement item, string where, (string Name, DataViewType Type)[] columns, ModelInfo info)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw ApiError.BadRequest($"{where} must be a JSON object of the model's columns, not {JsonRequest.Kind(item)}.");
        }

        var values = new object[columns.Length];
        for (var c = 0; c < columns.Length; c++)
        {
            var (name, type) = columns[c];
            var value = JsonRequest.Field(item, name);
            if (name == info.LabelColumn)
            {
                value = null; // The label is what is predicted: any value given is not read.
            }

            if (type == NumberDataViewType.Single)
            {
                values[c] = value is null ? float.NaN
                    : value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetSingle(out var number) && float.IsFinite(number) ? number
                    : throw ApiError.BadRequest($"{where}: column '{name}' must be a number, not {JsonRequest.Kind(value.Value)}.", name);
            }
            else if (value is null)
            {
                values[c] = info.TextColumns.Contains(name) && name != info.LabelColumn
                    ? throw ApiError.BadRequest($"{where}: the text column '{name}' is missing; the model reads {string.Join(", ", info.TextColumns.Select(t => $"'{t}'"))}.", name)
                    : string.Empty;
            }
            else
            {
                values[c] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString()!
                    : throw ApiError.BadRequest($"{where}: column '{name}' must be a string, not {JsonRequest.Kind(value.Value)}.", name);
            }
        }

        return values;
    }
}
