// Semantic search: index the BERT embeddings of 1,600 WordNet noun definitions, then find the nearest definitions
// to free-text queries. How good is it? Each of 320 held-out definitions asks for its 5 nearest neighbours; the
// share with the same topic (precision@5) is compared with chance (12.5%, eight balanced topics).
//
//   dotnet run --project samples/SemanticSearch [-- <model name or folder> <dataset folder>]
using Bert.MLNet;
using Bert.MLNet.Similarity;
using Microsoft.ML;
using Microsoft.ML.Data;

var modelPath = args.Length > 0 ? args[0] : "all-MiniLM-L6-v2";
var dataset = args.Length > 1 ? args[1] : "datasets/wordnet-topics";

var ml = new MLContext();
var stored = ml.Data.LoadFromTextFile<Definition>(Path.Combine(dataset, "train.tsv"), hasHeader: true);
// No options: the model's own conventions (all-MiniLM-L6-v2: the mean of its last layer, unit length).
using var embedding = ml.Transforms.Text.ApplyBertEmbedding("Embedding", "Text", modelPath).Fit(stored);
var index = VectorIndex.FromColumn(embedding.Transform(stored), "Embedding");
var texts = stored.GetColumn<string>("Text").ToArray();
var topics = stored.GetColumn<string>("Label").ToArray();
Console.WriteLine($"{index.Count} definitions indexed, {index.Dimension} dimensions");

foreach (var query in new[] { "a small animal kept as a pet", "something you eat for breakfast" })
{
    Console.WriteLine($"query: {query}");
    // Queries are embedded as queries: a retrieval model such as snowflake-arctic-embed-xs gets its query prompt.
    foreach (var hit in index.Search(embedding.Model, query, k: 3))
    {
        Console.WriteLine($"  {hit.Score:F3}  [{topics[hit.Index]}] {texts[hit.Index]}");
    }
}

var held = ml.Data.LoadFromTextFile<Definition>(Path.Combine(dataset, "test.tsv"), hasHeader: true);
var queryTopics = held.GetColumn<string>("Label").ToArray();
var hits = index.SearchBatch(embedding.Model, held.GetColumn<string>("Text").ToArray(), k: 5);
var precision = hits.Select((h, q) => h.Count(x => topics[x.Index] == queryTopics[q]) / 5.0).Average();
Console.WriteLine($"topic precision@5 over {hits.Length} held-out definitions: {precision:P1} (chance 12.5%)");

internal sealed class Definition
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Text { get; set; } = string.Empty;
}
