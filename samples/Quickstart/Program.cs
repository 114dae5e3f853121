// Quickstart: BERT features in an ML.NET pipeline. Which topic is a WordNet noun definition about (animal,
// artifact, body, food, location, person, plant, substance)? Train on 1,600 definitions, test on 320 others.
//
//   dotnet run --project samples/Quickstart [-- <model name or folder> <dataset folder>]
using Bert.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

var modelPath = args.Length > 0 ? args[0] : "all-MiniLM-L6-v2";
var dataset = args.Length > 1 ? args[1] : "datasets/wordnet-topics";

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromTextFile<Definition>(Path.Combine(dataset, "train.tsv"), hasHeader: true);
var test = ml.Data.LoadFromTextFile<Definition>(Path.Combine(dataset, "test.tsv"), hasHeader: true);

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", modelPath,
        new EmbeddingOptions { Layers = LayerSelection.Parse("-4..-1"), Pooling = Pooling.Mean, Combine = LayerCombination.Concat }))
    .Append(ml.Transforms.NormalizeMeanVariance("Features"))
    .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Features"))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(train);

var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine($"test accuracy {metrics.MicroAccuracy:P1} (macro {metrics.MacroAccuracy:P1}), log-loss {metrics.LogLoss:F3}, chance 12.5%");

ml.Model.Save(model, train.Schema, "topics.zip");
var loaded = new MLContext().Model.Load("topics.zip", out _);
var engine = ml.Model.CreatePredictionEngine<Definition, Prediction>(loaded);
foreach (var text in new[] { "a large cat with a tawny coat that hunts in packs", "a tool for driving nails", "a city on the coast of the sea" })
{
    Console.WriteLine($"{engine.Predict(new Definition { Text = text }).PredictedLabel,-10} {text}");
}

File.Delete("topics.zip");

internal sealed class Definition
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Text { get; set; } = string.Empty;
}

internal sealed class Prediction
{
    public string PredictedLabel { get; set; } = string.Empty;
}
