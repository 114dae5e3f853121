using System.Globalization;
using System.Text;

namespace Bert.MLNet.Trainers.Tests;

/// <summary>The README's trainers example is this file's marked region: it compiles here, runs here, and the README must show it verbatim.</summary>
public sealed class ReadmeTests : IDisposable
{
    private const string Begin = "// README: trainers begin";
    private const string End = "// README: trainers end";

    private readonly string folder = Path.Combine(Path.GetTempPath(), "bert-mlnet-readme-" + Guid.NewGuid().ToString("N"));

    public ReadmeTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void TheTrainersExampleRunsAsWritten()
    {
        var blobs = TestData.Blobs(600, 4, 3, spread: 6, seed: 12);
        var csv = new StringBuilder("a,b,c,d,label\n");
        for (var r = 0; r < blobs.Count; r++)
        {
            csv.AppendJoin(',', blobs.Features[r].ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            csv.Append(CultureInfo.InvariantCulture, $",kind {blobs.ClassIndices![r]}\n");
        }

        File.WriteAllText(Path.Combine(folder, "train.csv"), csv.ToString());
        var reports = 0;
        var progress = new Progress<TrainingProgress>(_ => Interlocked.Increment(ref reports));
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        try
        {
            // README: trainers begin
            var table = DelimitedTable.Read("train.csv");                       // CSV/TSV, header, quoted fields
            var features = table.Features(table.Columns.Where(c => c != "label").ToArray());   // empty, NaN, NA: missing
            var data = LabeledData.ForClassification(features, table.Text("label"));  // integer or text labels
            var (train, validation) = data.Split(0.2, seed: 0);                 // stratified

            var trees = new BoostedTreeTrainer(new BoostedTreeOptions { Trees = 100, Leaves = 20, LearningRate = 0.2 })
                .Fit(train, validation, progress);                               // early stopping on the validation set
            var linear = new LogisticRegressionTrainer(new LogisticRegressionOptions { L1Regularization = 1 }).Fit(train);
            float[] probabilities = trees.Predict(validation.Features);          // rows x classes, in trees.Classes order
            var metrics = MulticlassMetrics.Compute(validation.ClassIndices!, probabilities, trees.Classes!.Count);
            trees.Save("model.zip");                                             // TrainedModel.Load gives identical predictions
            // README: trainers end

            Assert.Equal(["kind 0", "kind 1", "kind 2"], trees.Classes.Names);
            Assert.True(metrics.MicroAccuracy > 0.95, $"accuracy {metrics.MicroAccuracy}");
            Assert.Equal(120, validation.Count);
            Assert.Equal(probabilities, TrainedModel.Load("model.zip").Predict(validation.Features));
            var linearAccuracy = linear.PredictClasses(validation.Features).Zip(validation.ClassIndices!).Average(p => p.First == p.Second ? 1.0 : 0.0);
            Assert.True(linearAccuracy > 0.95, $"logistic regression accuracy {linearAccuracy}");
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Fact]
    public void TheReadmeShowsTheTestedExample()
    {
        var source = File.ReadAllLines(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "tests", "Bert.MLNet.Trainers.Tests", "ReadmeTests.cs"));
        var start = Array.FindIndex(source, l => l.Trim() == Begin) + 1;
        var end = Array.FindIndex(source, l => l.Trim() == End);
        var indent = source[start].Length - source[start].TrimStart().Length;
        var tested = source[start..end].Select(l => l.Length >= indent ? l[indent..] : l.TrimStart());

        var readme = File.ReadAllLines(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "README.md"));
        var section = Array.FindIndex(readme, l => l.StartsWith("## Trainers", StringComparison.Ordinal));
        var open = Array.FindIndex(readme, section, l => l == "```csharp") + 1;
        var close = Array.FindIndex(readme, open, l => l == "```");
        Assert.Equal(string.Join('\n', tested), string.Join('\n', readme[open..close]));
    }
}
