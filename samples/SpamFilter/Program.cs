// A spam filter: binary classification of e-mails (SpamAssassin's public corpus) with ML.NET's FastTree, on BERT
// features (every hidden state's mean, concatenated) and, for comparison, on ML.NET's own FeaturizeText.
//
//   dotnet run --project samples/SpamFilter [-- <model name or folder> <dataset folder>]
using Bert.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

var modelPath = args.Length > 0 ? args[0] : "all-MiniLM-L6-v2";
var dataset = args.Length > 1 ? args[1] : "datasets/spam-assassin";

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromTextFile<Email>(Path.Combine(dataset, "train.tsv"), hasHeader: true, allowQuoting: false);
var test = ml.Data.LoadFromTextFile<Email>(Path.Combine(dataset, "test.tsv"), hasHeader: true, allowQuoting: false);
var isSpam = ml.Transforms.Conversion.MapValue("IsSpam", [new KeyValuePair<string, bool>("spam", true), new("ham", false)], "Label");
var trees = ml.BinaryClassification.Trainers.FastTree("IsSpam", "Features", numberOfLeaves: 20, numberOfTrees: 100);

var candidates = new (string Name, IEstimator<ITransformer> Features)[]
{
    ("BERT, all layers, mean", ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", modelPath,
        new EmbeddingOptions { Layers = LayerSelection.All, Pooling = Pooling.Mean, MaxLength = 256 })),
    ("ML.NET FeaturizeText", ml.Transforms.Text.FeaturizeText("Features", "Text")),
};
foreach (var (name, features) in candidates)
{
    var model = isSpam.Append(features).Append(trees).Fit(train);
    var metrics = ml.BinaryClassification.Evaluate(model.Transform(test), "IsSpam");
    Console.WriteLine($"{name,-24} accuracy {metrics.Accuracy:P1}  AUC {metrics.AreaUnderRocCurve:F3}  F1 {metrics.F1Score:F3}");
    (model as IDisposable)?.Dispose();
}

internal sealed class Email
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Text { get; set; } = string.Empty;
}
