using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

/// <summary>
/// The README's ML.NET pipeline is this file's marked region: it compiles here, runs here, and the README must show it verbatim.
/// It changes the current folder, so it runs apart from the tests that could notice.
/// </summary>
[Collection(nameof(TempFolderCollection))]
public sealed class ReadmeTests : IDisposable
{
    private const string Begin = "// README: pipeline begin";
    private const string End = "// README: pipeline end";

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-readme-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void ThePipelineExampleRunsAsWritten()
    {
        // Two kinds of sentence the default model tells apart easily.
        var rows = new List<string> { "Label\tText" };
        string[] animals = ["the dog barked at the cat", "a horse ran across the field", "the bird sang in the tree", "cows eat grass all day", "the cat slept on the mat", "a fox hunted the rabbit"];
        string[] money = ["the bank raised interest rates", "stock prices fell sharply today", "the company reported record profits", "investors sold their shares", "the loan was paid back with interest", "markets rallied after the report"];
        rows.AddRange(animals.Select(t => "animals\t" + t));
        rows.AddRange(money.Select(t => "money\t" + t));
        File.WriteAllLines(Path.Combine(folder, "reviews.tsv"), rows);
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        try
        {
            // README: pipeline begin
            var ml = new MLContext(seed: 1);
            IDataView data = ml.Data.LoadFromTextFile<Review>("reviews.tsv", hasHeader: true);
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", "all-MiniLM-L6-v2",
                    new EmbeddingOptions { Layers = LayerSelection.Parse("-4..-1"), Pooling = Pooling.Mean, Combine = LayerCombination.Concat }))
                .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("Label", "Features"))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
            ITransformer model = pipeline.Fit(data);                // batched, length-sorted, rows back in order
            ml.Model.Save(model, data.Schema, "genre.zip");          // built-in ML.NET parts only

            ITransformer loaded = new MLContext().Model.Load("genre.zip", out _);   // same numbers, one row at a time
            var engine = ml.Model.CreatePredictionEngine<Review, Prediction>(loaded);
            Prediction answer = engine.Predict(new Review { Text = "the dog chased the horse" });

            ITransformer bulk = new MLContext().Model.LoadWithBatchedEmbeddings("genre.zip", out _);  // the same, in batches
            // README: pipeline end

            var inMemory = model.Transform(data).GetColumn<string>("PredictedLabel").ToArray();
            var afterLoad = loaded.Transform(data).GetColumn<string>("PredictedLabel").ToArray();
            Assert.Equal(inMemory, afterLoad);
            Assert.Equal(inMemory, bulk.Transform(data).GetColumn<string>("PredictedLabel").ToArray());
            (bulk as IDisposable)?.Dispose();
            Assert.Equal([.. animals.Select(_ => "animals"), .. money.Select(_ => "money")], inMemory);
            Assert.Equal("animals", answer.PredictedLabel);
            (loaded as IDisposable)?.Dispose();
            (model as IDisposable)?.Dispose();
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Fact]
    public void TheReadmeShowsTheExampleVerbatim()
    {
        var source = File.ReadAllLines(Path.Combine(Testing.RepositoryRoot.Path, "tests", "Bert.MLNet.Tests", "ReadmeTests.cs"));
        var start = Array.FindIndex(source, l => l.Trim() == Begin) + 1;
        var end = Array.FindIndex(source, l => l.Trim() == End);
        var indent = source[start].Length - source[start].TrimStart().Length;
        var example = string.Join('\n', source[start..end].Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
        var readme = File.ReadAllText(Path.Combine(Testing.RepositoryRoot.Path, "README.md")).ReplaceLineEndings("\n");
        Assert.Contains(example, readme, StringComparison.Ordinal);
    }

    public sealed class Review
    {
        [LoadColumn(0)]
        public string Label { get; set; } = string.Empty;

        [LoadColumn(1)]
        public string Text { get; set; } = string.Empty;
    }

    public sealed class Prediction
    {
        public string PredictedLabel { get; set; } = string.Empty;
    }
}
