// Int8 against fp32 for retrieval, the way SemanticSearch searches: the wordnet-topics training definitions are the
// index, each held-out definition a query, and the definitions of its topic its relevant items. Prints mean
// reciprocal rank and topic precision@5 for both precisions, and the int8 vectors' mean cosine to fp32.
//
//   dotnet run -c Release benchmarks/quality/int8-retrieval.cs -- [model] [dataset folder]
#:project ../../src/Bert.MLNet/Bert.MLNet.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
using System.Numerics.Tensors;
using Bert.MLNet;
using Bert.MLNet.Similarity;

var modelPath = args.Length > 0 ? args[0] : "all-MiniLM-L6-v2";
var dataset = args.Length > 1 ? args[1] : "datasets/wordnet-topics";
(string[] Labels, string[] Texts) Read(string file)
{
    var rows = File.ReadLines(Path.Combine(dataset, file)).Skip(1).Select(l => l.Split('\t')).ToArray();
    return ([.. rows.Select(r => r[0])], [.. rows.Select(r => r[1])]);
}

var (topics, texts) = Read("train.tsv");
var (queryTopics, queries) = Read("test.tsv");
IReadOnlyCollection<int>[] relevant = [.. queryTopics.Select(t => (IReadOnlyCollection<int>)[.. Enumerable.Range(0, topics.Length).Where(i => topics[i] == t)])];
using var model = BertModel.Load(modelPath);
var vectors = new Dictionary<Precision, EmbeddingResult>();
foreach (var precision in new[] { Precision.Float32, Precision.Int8 })
{
    var options = model.DefaultOptions with { Precision = precision };
    var stored = model.Embed(texts, options);
    vectors[precision] = stored;
    var index = new VectorIndex(stored.Dimension);
    index.AddRange(stored);
    var hits = index.SearchBatch(model, queries, k: texts.Length, options);
    var mrr = RetrievalMetrics.MeanReciprocalRank(hits, relevant);
    var precisionAt5 = hits.Select((h, q) => h.Take(5).Count(x => topics[x.Index] == queryTopics[q]) / 5.0).Average();
    Console.WriteLine($"{modelPath} {precision}: MRR {mrr:F4}, topic precision@5 {precisionAt5:P1} ({queries.Length} queries, {texts.Length} stored)");
}

var cosines = Enumerable.Range(0, texts.Length)
    .Select(i => TensorPrimitives.CosineSimilarity(vectors[Precision.Float32][i], vectors[Precision.Int8][i])).ToArray();
Console.WriteLine($"int8 to fp32 cosine over the stored definitions: mean {cosines.Average():F4}, min {cosines.Min():F4}");
