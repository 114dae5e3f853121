// Sentence pairs: are two WordNet definitions about the same topic? Both texts are embedded by one BERT, and
// ComputePairFeatures turns the two vectors u and v into [u, v, |u - v|, u * v, cos(u, v)] for ML.NET's
// logistic regression — the features Sentence-BERT's classifier reads, with a frozen encoder instead of fine-tuning.
// The cosine alone, the usual zero-shot answer, is the baseline.
//
//   dotnet run --project samples/SentenceSimilarity [-- <model name or folder> <dataset folder>]
using Bert.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

var modelPath = args.Length > 0 ? args[0] : "all-MiniLM-L6-v2";
var dataset = args.Length > 1 ? args[1] : "datasets/wordnet-pairs";

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromTextFile<Pair>(Path.Combine(dataset, "train.tsv"), hasHeader: true, allowQuoting: false);
var test = ml.Data.LoadFromTextFile<Pair>(Path.Combine(dataset, "test.tsv"), hasHeader: true, allowQuoting: false);
var embedding = new EmbeddingOptions { Layers = LayerSelection.Parse("-4..-1"), Pooling = Pooling.Mean, Combine = LayerCombination.Concat };

var pipeline = ml.Transforms.Conversion.MapValue("Same", [new KeyValuePair<string, bool>("same", true), new("different", false)], "Label")
    .Append(ml.Transforms.Text.ApplyBertEmbedding("U", "First", modelPath, embedding))
    .Append(ml.Transforms.Text.ApplyBertEmbedding("V", "Second", modelPath, embedding))
    .Append(ml.Transforms.ComputePairFeatures("Pair", "U", "V"))
    .Append(ml.Transforms.NormalizeMeanVariance("Features", "Pair"))
    .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Same", "Features"));
var model = pipeline.Fit(train);
var scored = model.Transform(test);
var metrics = ml.BinaryClassification.Evaluate(scored, "Same");
Console.WriteLine($"pair features + logistic regression: accuracy {metrics.Accuracy:P1}  AUC {metrics.AreaUnderRocCurve:F3}  F1 {metrics.F1Score:F3}");

// The baseline: rank the test pairs by the cosine of their vectors (the last pair feature) and read its AUC.
var cosine = ml.Transforms.CustomMapping((PairFeatures input, CosineScore output) => output.Score = input.Pair[^1], contractName: null);
var byCosine = cosine.Fit(scored).Transform(scored);
var cosineMetrics = ml.BinaryClassification.EvaluateNonCalibrated(byCosine, "Same", "CosineScore", "PredictedLabel");
Console.WriteLine($"cosine alone:                        AUC {cosineMetrics.AreaUnderRocCurve:F3}");

// Two pairs of our own.
var engine = ml.Model.CreatePredictionEngine<Pair, Verdict>(model);
foreach (var (first, second) in new[]
{
    ("a domestic animal kept for companionship", "a small carnivorous mammal that hunts mice"),
    ("a domestic animal kept for companionship", "a tool for cutting wood"),
})
{
    var verdict = engine.Predict(new Pair { First = first, Second = second, Label = "different" });
    Console.WriteLine($"{verdict.Probability,5:P0} same topic: \"{first}\" / \"{second}\"");
}

(model as IDisposable)?.Dispose();

internal sealed class Pair
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string First { get; set; } = string.Empty;

    [LoadColumn(2)]
    public string Second { get; set; } = string.Empty;
}

internal sealed class PairFeatures
{
    // The cosine is the last of the 4d + 1 pair features; a variable-size read keeps this class independent of d.
    [VectorType]
    public float[] Pair { get; set; } = [];
}

internal sealed class CosineScore
{
    [ColumnName("CosineScore")]
    public float Score { get; set; }
}

internal sealed class Verdict
{
    public float Probability { get; set; }
}
