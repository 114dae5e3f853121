using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

[CollectionDefinition(nameof(TempFolderCollection), DisableParallelization = true)]
public sealed class TempFolderCollection;

/// <summary>Saved models in the world outside the test process: another process loads them, and nothing is left in the temp folder.</summary>
[Collection(nameof(TempFolderCollection))]
public sealed class SavedModelTests
{
    [Fact]
    public void AnotherProcessLoadsTheModelWithPlainMLNetAndGetsTheSameNumbers()
    {
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("-4..-1"), Pooling = Pooling.Mean, Combine = LayerCombination.Concat };
        using var transformer = ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", golden.Folder, options).Fit(data);
        var expected = transformer.Transform(data).GetColumn<float[]>("Features").ToArray();

        var folder = Directory.CreateTempSubdirectory("bert-mlnet-test-");
        try
        {
            var zip = Path.Combine(folder.FullName, "model.zip");
            var texts = Path.Combine(folder.FullName, "texts.txt");
            ml.Model.Save(transformer, data.Schema, zip);
            File.WriteAllLines(texts, golden.Sentences.Select(s => s.Length == 0 ? " " : s));
            var (exit, stdout, stderr) = Run(LoadCheckDll(), zip, texts, "Features");
            Assert.True(exit == 0, $"exit code {exit}: {stderr}");
            var actual = JsonSerializer.Deserialize<float[][]>(stdout)!;
            Assert.Equal(expected.Length, actual.Length);
            for (var row = 0; row < expected.Length; row++)
            {
                Assert.Equal(expected[row].Length, actual[row].Length);
                for (var i = 0; i < expected[row].Length; i++)
                {
                    Assert.True(Math.Abs(expected[row][i] - actual[row][i]) <= 1e-5f, $"row {row}, value {i}: {expected[row][i]} here, {actual[row][i]} in the other process");
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void RepeatedFitSaveLoadAndPredictLeaveTheTempFolderAsItWas()
    {
        // A temp folder of the test's own (TMPDIR, which .NET's GetTempPath reads at each call), so that other processes'
        // files in the system's do not count. This collection runs alone, so no other test sees the change.
        var golden = Golden.For("tiny-bert-opset17");
        var temp = Directory.CreateTempSubdirectory("bert-mlnet-own-temp-").FullName;
        var previous = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", temp);
        try
        {
            Assert.Equal(temp, Path.GetTempPath().TrimEnd('/'));
            var models = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(temp)!, Path.GetFileName(temp) + "-models")).FullName;
            try
            {
                for (var round = 0; round < 3; round++)
                {
                    var ml = new MLContext();
                    var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
                    var file = Path.Combine(models, $"round-{round}.zip");
                    using (var transformer = ml.Transforms.Text.ApplyBertEmbedding("E", "Text", golden.Folder).Fit(data))
                    {
                        _ = transformer.Transform(data).GetColumn<float[]>("E").ToArray();
                        var engine = ml.Model.CreatePredictionEngine<BertEmbeddingTransformTests.TextRow, Embedded>(transformer);
                        _ = engine.Predict(new BertEmbeddingTransformTests.TextRow { Text = "one row" });
                        ml.Model.Save(transformer, data.Schema, file);
                    }

                    using (var loaded = (IDisposable)ml.Model.Load(file, out _))
                    {
                        _ = ((ITransformer)loaded).Transform(data).GetColumn<float[]>("E").ToArray();
                    }

                    using (var batched = (IDisposable)ml.Model.LoadWithBatchedEmbeddings(file, out _))
                    {
                        _ = ((ITransformer)batched).Transform(data).GetColumn<float[]>("E").ToArray();
                    }
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
            }
            finally
            {
                Directory.Delete(models, recursive: true);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", previous);
            Directory.Delete(temp, recursive: true);
        }
    }

    private static string LoadCheckDll() => BuiltProgram(Path.Combine("tests", "Bert.MLNet.LoadCheck"), "Bert.MLNet.LoadCheck");

    /// <summary>A program the test project's build also built (in its own project folder, same configuration and framework).</summary>
    internal static string BuiltProgram(string projectFolder, string name)
    {
        // The test assembly sits in bin/<configuration>/<framework>.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var dll = Path.Combine(Testing.RepositoryRoot.Path, projectFolder, "bin", configuration, framework.Name, name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        return dll;
    }

    internal static (int Exit, string Stdout, string Stderr) Run(string dll, params string[] args) => RunIn(null, dll, args);

    internal static (int Exit, string Stdout, string Stderr) RunIn(string? folder, string dll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder ?? string.Empty };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private sealed class Embedded
    {
        public float[] E { get; set; } = [];
    }
}
