// Which encoder layer knows most about what a text is about? The story of the "every layer" article, in .NET:
// embed WordNet's noun glosses with every hidden state of a BERT model, train a logistic regression on each
// layer alone (and boosted trees on the best one), and compare held-out accuracy. The label is the gloss's
// lexicographer file (animal, artifact, food, person, plant), which the model never saw.
//
//   dotnet run --project samples/LayerProbe [-- <model folder> [<wordnet folder>]]
//
// Needs WordNet 3.0's database (Debian: apt-get install wordnet-base).
using System.Diagnostics;
using Bert.MLNet;
using Bert.MLNet.Trainers;

var modelPath = args.Length > 0 ? args[0] : Path.Combine("models", "bert-l4-h128-uncased");
var wordnet = args.Length > 1 ? args[1] : "/usr/share/wordnet";
var nouns = Path.Combine(wordnet, "data.noun");
if (!File.Exists(nouns))
{
    Console.Error.WriteLine($"error: WordNet's '{nouns}' is missing; install Debian's wordnet-base or pass the folder holding data.noun.");
    return 1;
}

// Lexicographer file numbers of WordNet 3.0 (lexnames) and the topic each stands for.
var topics = new Dictionary<string, string> { ["05"] = "animal", ["06"] = "artifact", ["13"] = "food", ["18"] = "person", ["20"] = "plant" };
const int PerTopic = 400;
var glosses = File.ReadLines(nouns, System.Text.Encoding.Latin1)
    .Where(line => !line.StartsWith(' '))
    .Select(line => (Topic: line.Split(' ')[1], Gloss: line[(line.IndexOf(" | ", StringComparison.Ordinal) + 3)..].Split(';')[0].Trim()))
    .Where(g => topics.ContainsKey(g.Topic) && g.Gloss.Length > 0)
    .GroupBy(g => g.Topic)
    .OrderBy(group => group.Key, StringComparer.Ordinal)
    .SelectMany(group =>
    {
        // Evenly spaced through the file, so every part of each topic is represented.
        var all = group.ToArray();
        return Enumerable.Range(0, Math.Min(PerTopic, all.Length)).Select(i => all[(long)i * all.Length / Math.Min(PerTopic, all.Length)]);
    })
    .ToArray();

var texts = glosses.Select(g => g.Gloss).ToArray();
var labels = glosses.Select(g => topics[g.Topic]).ToArray();
Console.WriteLine($"{texts.Length} glosses, up to {PerTopic} per topic: {string.Join(", ", topics.Values)}");

using var model = BertModel.Load(modelPath);
var clock = Stopwatch.StartNew();
var embeddings = model.Embed(texts, new EmbeddingOptions { Layers = LayerSelection.Parse("all"), Pooling = Pooling.Mean, Combine = LayerCombination.Separate });
var (layers, hidden) = (embeddings.Shape[0], embeddings.Shape[1]);
Console.WriteLine($"embedded with {layers} hidden states of {hidden} in {clock.Elapsed.TotalSeconds:F1} s");

// One feature matrix per hidden state, and the concatenation of the last four (the BERT paper's best recipe).
FeatureMatrix Layer(IEnumerable<int> chosen)
{
    var picked = chosen.ToArray();
    var values = new float[texts.Length * picked.Length * hidden];
    for (var row = 0; row < texts.Length; row++)
    {
        for (var i = 0; i < picked.Length; i++)
        {
            embeddings[row].Slice(picked[i] * hidden, hidden).CopyTo(values.AsSpan(((row * picked.Length) + i) * hidden, hidden));
        }
    }

    return new FeatureMatrix(values, texts.Length, picked.Length * hidden);
}

var candidates = Enumerable.Range(0, layers).Select(l => (Name: l == 0 ? "0 (embeddings)" : l.ToString(System.Globalization.CultureInfo.InvariantCulture), Layers: new[] { l }))
    .Append((Name: "last four, concatenated", Layers: Enumerable.Range(Math.Max(1, layers - 4), Math.Min(4, layers - 1)).ToArray()))
    .ToArray();
Console.WriteLine();
Console.WriteLine("| hidden state | logistic regression: accuracy | macro F1 | training |");
Console.WriteLine("| --- | ---: | ---: | ---: |");
var best = (Accuracy: 0.0, Candidate: candidates[0]);
foreach (var candidate in candidates)
{
    var (train, test) = LabeledData.ForClassification(Layer(candidate.Layers), labels).Split(0.25, seed: 0);
    clock.Restart();
    var classifier = new LogisticRegressionTrainer(new LogisticRegressionOptions { L1Regularization = 0, L2Regularization = 10 }).Fit(train);
    var metrics = MulticlassMetrics.Compute(test.ClassIndices!, classifier.Predict(test.Features), classifier.Classes!.Count);
    Console.WriteLine($"| {candidate.Name} | {metrics.MicroAccuracy:P1} | {metrics.MacroF1:F3} | {clock.Elapsed.TotalSeconds:F1} s |");
    if (metrics.MicroAccuracy > best.Accuracy)
    {
        best = (metrics.MicroAccuracy, candidate);
    }
}

var (bestTrain, bestTest) = LabeledData.ForClassification(Layer(best.Candidate.Layers), labels).Split(0.25, seed: 0);
clock.Restart();
var trees = new BoostedTreeTrainer().Fit(bestTrain);
var treeMetrics = MulticlassMetrics.Compute(bestTest.ClassIndices!, trees.Predict(bestTest.Features), trees.Classes!.Count);
Console.WriteLine();
Console.WriteLine($"boosted trees on hidden state {best.Candidate.Name}: accuracy {treeMetrics.MicroAccuracy:P1}, macro F1 {treeMetrics.MacroF1:F3}, {clock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"chance: {1.0 / topics.Count:P0}");
return 0;
