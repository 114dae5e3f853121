// Which hidden state knows the genre? The Brown corpus genre task of the bundled model's card, through this
// project's ML.NET pipeline: ApplyBertEmbedding computes every hidden state in one pass (mean-pooled, one column
// per layer), then LbfgsMaximumEntropy learns on each layer alone (standardized) and on all of them concatenated;
// ML.NET's FeaturizeText (word 1-2-grams and character 3-grams, TF, L2) with the same trainer is the baseline.
//
//   dotnet run -c Release --project tools/pretrain/GenreProbe -- <chunks.tsv> <model folder> <results.json> [--baseline]
//
// chunks.tsv (written by tools/pretrain/evaluate_genre.py) has the header Split, Genre, Text; Split is train or test.
using System.Diagnostics;
using System.Text.Json;
using Bert.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

var (chunksPath, modelPath, outputPath) = (args[0], args[1], args[2]);
var withBaseline = args.Contains("--baseline");
var ml = new MLContext(seed: 1);
var rows = File.ReadLines(chunksPath).Skip(1).Select(line => line.Split('\t')).Select(f => new Chunk { Split = f[0], Genre = f[1], Text = f[2] }).ToArray();
var train = ml.Data.LoadFromEnumerable(rows.Where(r => r.Split == "train"));
var test = ml.Data.LoadFromEnumerable(rows.Where(r => r.Split == "test"));

var clock = Stopwatch.StartNew();
using var embedding = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", modelPath,
    new EmbeddingOptions { Layers = LayerSelection.All, Pooling = Pooling.Mean, Combine = LayerCombination.Separate }).Fit(train);
var trainEmbedded = ml.Data.Cache(embedding.Transform(train));
var testEmbedded = ml.Data.Cache(embedding.Transform(test));
var layers = embedding.VectorColumnNames;
var results = new Dictionary<string, object>
{
    ["task"] = "Brown corpus genre, ~100-word chunks, split by document",
    ["trainer"] = "ML.NET LbfgsMaximumEntropy on NormalizeMeanVariance features",
    ["model"] = modelPath,
    ["train_rows"] = rows.Count(r => r.Split == "train"),
    ["test_rows"] = rows.Count(r => r.Split == "test"),
};
var perLayer = new List<object>();
for (var layer = 0; layer < layers.Count; layer++)
{
    var score = Score(ml.Transforms.NormalizeMeanVariance("Features", layers[layer]), trainEmbedded, testEmbedded);
    perLayer.Add(new { layer, score.Accuracy, score.MacroF1 });
    Console.WriteLine($"layer {layer}: accuracy {score.Accuracy:P1}, macro F1 {score.MacroF1:F3}");
}

results["layers"] = perLayer;
var all = Score(ml.Transforms.Concatenate("All", [.. layers]).Append(ml.Transforms.NormalizeMeanVariance("Features", "All")), trainEmbedded, testEmbedded);
results["all_layers_concat"] = new { all.Accuracy, all.MacroF1 };
Console.WriteLine($"all layers: accuracy {all.Accuracy:P1}, macro F1 {all.MacroF1:F3}");
if (withBaseline)
{
    var text = Score(ml.Transforms.Text.FeaturizeText("Features", "Text"), train, test);
    results["featurize_text"] = new { text.Accuracy, text.MacroF1 };
    Console.WriteLine($"FeaturizeText: accuracy {text.Accuracy:P1}, macro F1 {text.MacroF1:F3}");
}

results["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
File.WriteAllText(outputPath, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));

(double Accuracy, double MacroF1) Score(IEstimator<ITransformer> features, IDataView trainData, IDataView testData)
{
    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Genre")
        .Append(features)
        .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Features"));
    var model = pipeline.Fit(trainData);
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(testData));
    var f1 = metrics.ConfusionMatrix.PerClassPrecision.Zip(metrics.ConfusionMatrix.PerClassRecall)
        .Select(p => p.First + p.Second > 0 ? 2 * p.First * p.Second / (p.First + p.Second) : 0).Average();
    return (Math.Round(metrics.MicroAccuracy, 4), Math.Round(f1, 4));
}

internal sealed class Chunk
{
    public string Split { get; set; } = string.Empty;

    public string Genre { get; set; } = string.Empty;

    public string Text { get; set; } = string.Empty;
}
