using System.IO.Compression;

namespace Bert.MLNet.Trainers.Tests;

public sealed class ModelFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "bert-mlnet-models-" + Guid.NewGuid().ToString("N"));

    public ModelFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    public static TheoryData<string> Models => ["trees-binary", "trees-multiclass", "trees-regression", "linear-binary", "linear-multiclass"];

    [Theory]
    [MemberData(nameof(Models))]
    public void ReloadedModelsPredictExactlyTheSame(string kind)
    {
        var data = TestData.Blobs(400, 6, kind.EndsWith("multiclass", StringComparison.Ordinal) ? 4 : 2, spread: 2, seed: 5);
        var withMissing = new FeatureMatrix(data.Features.Values.ToArray().Select((v, i) => i % 7 == 0 ? float.NaN : v).ToArray(), data.Count, 6);
        TrainedModel model = kind switch
        {
            "trees-regression" => new BoostedTreeTrainer(new BoostedTreeOptions { Trees = 20 })
                .Fit(LabeledData.ForRegression(withMissing, data.ClassIndices!.Select((c, i) => c + (i % 5 * 0.1f)).ToArray())),
            _ when kind.StartsWith("trees", StringComparison.Ordinal) => new BoostedTreeTrainer(new BoostedTreeOptions { Trees = 20 })
                .Fit(LabeledData.ForClassification(withMissing, data.ClassIndices!.Select(c => "class " + c).ToArray())),
            _ => new LogisticRegressionTrainer().Fit(LabeledData.ForClassification(withMissing, data.ClassIndices!.Select(c => "class " + c).ToArray())),
        };
        model.Metadata["labelColumn"] = "Label";
        var path = Path.Combine(folder, "model.zip");
        model.Save(path);
        var loaded = TrainedModel.Load(path);

        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.Equal(model.Kind, loaded.Kind);
        Assert.Equal(model.FeatureNames, loaded.FeatureNames);
        Assert.Equal(model.Classes?.Names, loaded.Classes?.Names);
        Assert.Equal("Label", loaded.Metadata["labelColumn"]);
        Assert.Equal(model.Predict(withMissing), loaded.Predict(withMissing));
    }

    [Fact]
    public void DamagedOrForeignFilesAreRefusedWithTheReason()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => TrainedModel.Load(Path.Combine(folder, "none.zip")));
        Assert.Contains("none.zip", missing.Message);

        var text = Path.Combine(folder, "text.zip");
        File.WriteAllText(text, "not a zip");
        Assert.Contains("not a zip archive", Assert.Throws<InvalidDataException>(() => TrainedModel.Load(text)).Message);

        var model = new BoostedTreeTrainer(new BoostedTreeOptions { Trees = 3 }).Fit(TestData.Blobs(100, 2, 2, 2, 1));
        var path = Path.Combine(folder, "model.zip");
        model.Save(path);

        Rewrite(path, "manifest.json", json => json.Replace("\"version\": 1", "\"version\": 99", StringComparison.Ordinal));
        Assert.Contains("format version 99", Assert.Throws<InvalidDataException>(() => TrainedModel.Load(path)).Message);

        model.Save(path);
        Rewrite(path, "parameters.bin", _ => "short");
        Assert.Contains("damaged", Assert.Throws<InvalidDataException>(() => TrainedModel.Load(path)).Message);
    }

    [Fact]
    public void SavingIntoAMissingFolderNamesIt()
    {
        var model = new LogisticRegressionTrainer().Fit(TestData.Blobs(50, 2, 2, 2, 1));
        var error = Assert.Throws<DirectoryNotFoundException>(() => model.Save(Path.Combine(folder, "no", "such", "model.zip")));
        Assert.Contains(Path.Combine(folder, "no", "such"), error.Message);
    }

    private static void Rewrite(string path, string entryName, Func<string, string> change)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = archive.GetEntry(entryName)!;
        string text;
        using (var reader = new StreamReader(entry.Open()))
        {
            text = reader.ReadToEnd();
        }

        entry.Delete();
        using var writer = new StreamWriter(archive.CreateEntry(entryName).Open());
        writer.Write(change(text));
    }
}
