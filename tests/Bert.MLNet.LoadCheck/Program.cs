// Usage: Bert.MLNet.LoadCheck <model.zip> <texts.txt> <column>
// Loads the model with a plain MLContext, runs it over the texts (one per line, in a column named Text) and prints
// the column's vectors as a JSON array of arrays. Only ML.NET's API is used: ML.NET finds Bert.MLNet's parts itself.
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

var (modelPath, textsPath, column) = (args[0], args[1], args[2]);
var ml = new MLContext();
var model = ml.Model.Load(modelPath, out _);
var data = ml.Data.LoadFromEnumerable(File.ReadAllLines(textsPath).Select(t => new Row { Text = t }));
var vectors = model.Transform(data).GetColumn<float[]>(column).ToArray();
(model as IDisposable)?.Dispose();
Console.WriteLine(JsonSerializer.Serialize(vectors));

internal sealed class Row
{
    [LoadColumn(0)]
    public string Text { get; set; } = string.Empty;
}
