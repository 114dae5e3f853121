// Which encoder layer knows most about what a text is about? The story of the "every layer" article, in ML.NET:
// ApplyBertEmbedding computes every hidden state in one pass (one column per layer), then an
// LbfgsMaximumEntropy classifier learns on each layer alone and on the last four concatenated (the BERT paper's
// best feature-based recipe), and LightGbm on the best one. The task: the topic of a WordNet noun definition.
//
//   dotnet run --project samples/LayerProbe [-- <model name or folder> <dataset folder>]
using System.Diagnostics;
using Bert.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

var modelPath = args.Length > 0 ? args[0] : "all-MiniLM-L6-v2";
var dataset = args.Length > 1 ? args[1] : "datasets/wordnet-topics";

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromTextFile<Definition>(Path.Combine(dataset, "train.tsv"), hasHeader: true);
var test = ml.Data.LoadFromTextFile<Definition>(Path.Combine(dataset, "test.tsv"), hasHeader: true);

var clock = Stopwatch.StartNew();
using var embedding = ml.Transforms.Text.ApplyBertEmbedding("Layer", "Text", modelPath,
    new EmbeddingOptions { Layers = LayerSelection.All, Pooling = Pooling.Mean, Combine = LayerCombination.Separate }).Fit(train);
var trainLayers = ml.Data.Cache(embedding.Transform(train));
var testLayers = ml.Data.Cache(embedding.Transform(test));
var columns = embedding.VectorColumnNames;
Console.WriteLine($"{columns.Count} hidden states of {embedding.Dimension} values each, from one pass ({clock.Elapsed.TotalSeconds:F1} s to set up)");

var lastFour = columns.Skip(Math.Max(1, columns.Count - 4)).ToArray();
var candidates = columns.Select((c, layer) => (Name: layer == 0 ? "0 (embeddings)" : layer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Features: (IEstimator<ITransformer>)ml.Transforms.CopyColumns("Features", c)))
    .Append((Name: "last four, concatenated", Features: ml.Transforms.Concatenate("Features", lastFour)))
    .ToArray();

Console.WriteLine();
Console.WriteLine("| hidden state | LbfgsMaximumEntropy: accuracy | macro accuracy |");
Console.WriteLine("| --- | ---: | ---: |");
var best = (Accuracy: 0.0, candidates[0].Name, candidates[0].Features);
foreach (var (name, features) in candidates)
{
    var metrics = Score(features.Append(ml.Transforms.NormalizeMeanVariance("Features")), ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());
    Console.WriteLine($"| {name} | {metrics.MicroAccuracy:P1} | {metrics.MacroAccuracy:P1} |");
    if (metrics.MicroAccuracy > best.Accuracy)
    {
        best = (metrics.MicroAccuracy, name, features);
    }
}

var trees = Score(best.Features, ml.MulticlassClassification.Trainers.LightGbm());
Console.WriteLine();
Console.WriteLine($"LightGbm on hidden state {best.Name}: accuracy {trees.MicroAccuracy:P1}, macro accuracy {trees.MacroAccuracy:P1}");
Console.WriteLine("chance: 12.5%");

MulticlassClassificationMetrics Score(IEstimator<ITransformer> features, IEstimator<ITransformer> trainer)
{
    var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(features).Append(trainer).Fit(trainLayers);
    return ml.MulticlassClassification.Evaluate(model.Transform(testLayers));
}

internal sealed class Definition
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Text { get; set; } = string.Empty;
}
