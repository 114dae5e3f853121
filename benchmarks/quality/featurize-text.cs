// ML.NET's FeaturizeText baseline on the held-out split of a committed or built dataset, with the trainer the
// featurization search gives it (ML.NET defaults; n-grams unstandardized), for the README's quality table.
//
//   dotnet run benchmarks/quality/featurize-text.cs -- <dataset folder> linear|fasttree [First Second]
//   dotnet run benchmarks/quality/featurize-text.cs -- <dataset folder> retrieval      (topic precision@5, as SemanticSearch)
#:project ../../src/Bert.MLNet/Bert.MLNet.csproj
#:property TreatWarningsAsErrors=false
using Bert.MLNet.Similarity;
using Microsoft.ML;
using Microsoft.ML.Data;

var folder = args[0];
var trainer = args[1];
string[] texts = args.Length > 3 ? [args[2], args[3]] : ["Text"];
var ml = new MLContext(seed: 1);
var columns = new[] { new TextLoader.Column("Label", DataKind.String, 0) }
    .Concat(texts.Select((t, i) => new TextLoader.Column(t, DataKind.String, i + 1))).ToArray();
IDataView Load(string file) => ml.Data.LoadFromTextFile(Path.Combine(folder, file), columns, hasHeader: true, allowQuoting: false);
var (train, test) = (Load("train.tsv"), Load("test.tsv"));
var labels = train.GetColumn<string>("Label").Distinct().Count();

IEstimator<ITransformer> features = ml.Transforms.Text.FeaturizeText("F0", texts[0]);
if (texts.Length > 1)
{
    features = features.Append(ml.Transforms.Text.FeaturizeText("F1", texts[1]));
}

features = features.Append(ml.Transforms.Concatenate("Features", texts.Length > 1 ? ["F0", "F1"] : ["F0"]));
if (trainer == "retrieval")
{
    var embed = features.Fit(train);
    var stored = embed.Transform(train);
    var index = VectorIndex.FromColumn(stored, "Features");
    var topics = train.GetColumn<string>("Label").ToArray();
    var queryTopics = test.GetColumn<string>("Label").ToArray();
    var queries = embed.Transform(test).GetColumn<float[]>("Features").SelectMany(v => v).ToArray();
    var hits = index.SearchBatch(queries, 5);
    Console.WriteLine($"FeaturizeText topic precision@5: {hits.Select((h, q) => h.Count(x => topics[x.Index] == queryTopics[q]) / 5.0).Average():P1}");
    return;
}

if (labels == 2)
{
    var classes = train.GetColumn<string>("Label").Distinct().Order(StringComparer.Ordinal).ToArray();
    var positive = classes[1];
    var pipeline = ml.Transforms.Conversion.MapValue("IsPositive", [new KeyValuePair<string, bool>(classes[0], false), new(positive, true)], "Label")
        .Append(features)
        .Append(trainer == "fasttree"
            ? (IEstimator<ITransformer>)ml.BinaryClassification.Trainers.FastTree("IsPositive", "Features")
            : ml.BinaryClassification.Trainers.LbfgsLogisticRegression("IsPositive", "Features"));
    var metrics = ml.BinaryClassification.EvaluateNonCalibrated(pipeline.Fit(train).Transform(test), "IsPositive");
    Console.WriteLine($"FeaturizeText + {trainer}: accuracy {metrics.Accuracy:P1}, AUC {metrics.AreaUnderRocCurve:F3} (positive class '{positive}')");
}
else
{
    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(features)
        .Append(trainer == "fasttree"
            ? (IEstimator<ITransformer>)ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(featureColumnName: "Features"))
            : ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());
    var metrics = ml.MulticlassClassification.Evaluate(pipeline.Fit(train).Transform(test));
    Console.WriteLine($"FeaturizeText + {trainer}: accuracy {metrics.MicroAccuracy:P1}, macro {metrics.MacroAccuracy:P1}");
}
