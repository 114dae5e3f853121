using System.Globalization;
using System.Text.RegularExpressions;

namespace Bert.MLNet.Tests;

/// <summary>
/// Each sample runs as a user runs it, on the committed datasets, and prints results a person can check: Quickstart and
/// SemanticSearch on their default model (all-MiniLM-L6-v2), the others on the bundled model, for speed.
/// </summary>
public sealed class SamplesTests : IDisposable
{
    private const string Bundled = "bert-l4-h128-uncased";
    private const string MiniLm = "all-MiniLM-L6-v2";

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-sample-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void QuickstartTrainsEvaluatesSavesAndPredicts()
    {
        var output = RunSample("Quickstart", "wordnet-topics", MiniLm);
        Assert.True(Percent(output, @"test accuracy ([\d.]+) %") > 75, output);
        Assert.Equal(3, output.Split('\n').Count(l => Regex.IsMatch(l, @"^(animal|artifact|body|food|location|person|plant|substance)\s")));
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public void SemanticSearchFindsNeighboursOfTheSameTopicFarAboveChance()
    {
        var output = RunSample("SemanticSearch", "wordnet-topics", MiniLm);
        Assert.Contains("1600 definitions indexed, 384 dimensions", output, StringComparison.Ordinal);
        Assert.True(Percent(output, @"precision@5 over 320 held-out definitions: ([\d.]+) %") > 65, output);
    }

    [Fact]
    public void SpamFilterComparesBertFeaturesWithFeaturizeText()
    {
        var output = RunSample("SpamFilter", "spam-assassin", Bundled);
        Assert.True(Percent(output, @"BERT, all layers, mean\s+accuracy ([\d.]+) %") > 75, output);
        Assert.True(Percent(output, @"ML.NET FeaturizeText\s+accuracy ([\d.]+) %") > 75, output);
    }

    [Fact]
    public void SentenceSimilarityLearnsFromPairFeaturesAndReportsTheCosineBaseline()
    {
        var output = RunSample("SentenceSimilarity", "wordnet-pairs", Bundled);
        Assert.True(Percent(output, @"pair features \+ logistic regression: accuracy ([\d.]+) %") > 55, output);
        var auc = Regex.Matches(output, @"AUC ([\d.]+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, auc.Length);
        Assert.All(auc, a => Assert.InRange(a, 0.55, 1));
        Assert.Equal(2, Regex.Matches(output, @"% same topic: ").Count);
    }

    [Fact]
    public void LayerProbeScoresEveryHiddenStateAndTheLastFour()
    {
        var output = RunSample("LayerProbe", "wordnet-topics", Bundled);
        var rows = Regex.Matches(output, @"^\| ([^|]+) \| ([\d.]+) % \|", RegexOptions.Multiline);
        Assert.Equal(["0 (embeddings)", "1", "2", "3", "4", "last four, concatenated"], rows.Select(r => r.Groups[1].Value));
        Assert.All(rows, r => Assert.True(double.Parse(r.Groups[2].Value, CultureInfo.InvariantCulture) > 40, r.Value));
        Assert.True(Percent(output, @"LightGbm on hidden state [^:]+: accuracy ([\d.]+) %") > 40, output);
    }

    private string RunSample(string name, string dataset, string model)
    {
        var dll = SavedModelTests.BuiltProgram(Path.Combine("samples", name), name);
        var (exit, stdout, stderr) = SavedModelTests.RunIn(folder, dll, model, Path.Combine(Testing.RepositoryRoot.Path, "datasets", dataset));
        Assert.True(exit == 0, $"{name} exited with {exit}: {stderr}");
        return stdout;
    }

    private static double Percent(string output, string pattern)
    {
        var match = Regex.Match(output, pattern);
        Assert.True(match.Success, $"no line matching '{pattern}' in:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
