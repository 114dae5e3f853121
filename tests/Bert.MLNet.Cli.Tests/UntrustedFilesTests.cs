using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Cli.Data;
using Bert.MLNet.Cli.IO;
using Microsoft.ML;

namespace Bert.MLNet.Cli.Tests;

/// <summary>
/// Every file the tool reads is untrusted: damaged model zips and index files, folders where files are expected, a
/// missing temp folder, and option values the library refuses, each answered in one line that names the file or flag.
/// </summary>
public sealed class UntrustedFilesTests : IDisposable
{
    private static readonly string Bundled = Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "models", "bert-l4-h128-uncased");
    private static readonly string TinyModel = Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "tests", "Bert.MLNet.Tests", "Models", "tiny-bert");

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-untrusted-test-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void DamagedModelZipsAreRefusedNamingTheFile()
    {
        var info = """{"format":1,"task":"binary","labelColumn":"Label","textColumns":["Text"],"classes":["a","b"],"metric":"accuracy","features":"layer 1, mean","trainer":"Linear","score":0.5}""";

        // Only the record, no model: ML.NET cannot load it.
        var onlyInfo = Zip("only-info.zip", ("bert-mlnet.json", info));
        var error = Assert.Throws<InvalidDataException>(() => SavedModel.Load(new MLContext(), onlyInfo)).Message;
        Assert.StartsWith($"Model '{onlyInfo}' could not be loaded (", error, StringComparison.Ordinal);

        // A record with fields missing, or of the wrong shape.
        foreach (var (json, problem) in new[]
        {
            ("""{"format":1}""", "task '', expected binary, multiclass or regression"),
            ("""{"format":1,"task":"binary","labelColumn":"Label","textColumns":["Text"],"classes":["a"],"metric":"m","features":"f","trainer":"t"}""", "1 classes for a binary task"),
            ("""{"format":1,"task":"regression","labelColumn":"Y","textColumns":[],"classes":[],"metric":"m","features":"f","trainer":"t"}""", "no label column, or not one or two text columns"),
            ("null", "it is empty"),
        })
        {
            var zip = Zip("fields.zip", ("bert-mlnet.json", json));
            Assert.Equal($"Model '{zip}': bert-mlnet.json is damaged ({problem}).", Assert.Throws<InvalidDataException>(() => ModelInfo.Read(zip)).Message);
        }

        // A real ML.NET model with its bytes damaged inside an entry.
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable([new { Text = "x" }]);
        var real = Path.Combine(folder, "real.zip");
        ml.Model.Save(ml.Transforms.CopyColumns("Label", "Text").Fit(data), data.Schema, real);
        using (var archive = ZipFile.Open(real, ZipArchiveMode.Update))
        {
            using var stream = archive.CreateEntry("bert-mlnet.json").Open();
            stream.Write(Encoding.UTF8.GetBytes(info));
        }

        var bytes = File.ReadAllBytes(real);
        for (var i = 40; i < bytes.Length / 2; i += 7)
        {
            bytes[i] ^= 0x5A;
        }

        var damaged = Path.Combine(folder, "damaged.zip");
        File.WriteAllBytes(damaged, bytes);
        var message = Assert.ThrowsAny<Exception>(() => SavedModel.Load(new MLContext(), damaged)).Message;
        Assert.Contains($"Model '{damaged}'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", message, StringComparison.Ordinal);

        // The folder train wrote is accepted for its model.zip; a folder without one is named.
        var trained = Directory.CreateDirectory(Path.Combine(folder, "trained")).FullName;
        File.Copy(real, Path.Combine(trained, TrainOutputs.ModelFile));
        Assert.Equal(Path.Combine(trained, TrainOutputs.ModelFile), SavedModel.Resolve(trained));
        Assert.Equal(real, SavedModel.Resolve(real));
        var empty = Directory.CreateDirectory(Path.Combine(folder, "empty")).FullName;
        Assert.Contains($"Model folder '{empty}' holds no model.zip", Assert.Throws<FileNotFoundException>(() => SavedModel.Resolve(empty)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedIndexFilesAreRefusedBeforeAllocating()
    {
        string Error(string json, int vectorBytes = 0)
        {
            var zip = Zip("index.zip", ("index.json", json), ("vectors.f32", new string('\0', vectorBytes)));
            return Assert.Throws<InvalidDataException>(() => SearchIndexFile.Read(zip)).Message;
        }

        // JSON written with single quotes, for readability.
        static string J(string json) => json.Replace('\'', '"');
        var head = J("{'Format':'bert-mlnet-index','Version':1,'Model':'m','Layers':'-1','Pooling':'mean','Storage':'Float32',");

        // A dimension and row count whose vectors would take 240 GB: refused by the entry's size, not by trying.
        Assert.Contains("vectors.f32 holds 8 bytes; 1000000 rows of 60000 floats are 240000000000",
            Error(head + J("'Dimension':60000,'Count':1000000,'Texts':") + Texts(1_000_000) + "}", 8), StringComparison.Ordinal);
        Assert.Contains("dimension 100000000 of at most 65536", Error(head + J("'Dimension':100000000,'Count':0,'Texts':[]}")), StringComparison.Ordinal);
        Assert.Contains("dimension 0 of at most 65536", Error(head + J("'Count':1,'Texts':['a']}"), 4), StringComparison.Ordinal);
        Assert.Contains("text 1 null", Error(head + J("'Dimension':1,'Count':2,'Texts':['a',null]}"), 8), StringComparison.Ordinal);
        Assert.Contains("index.json has no 'texts'", Error(head + J("'Dimension':1,'Count':2}"), 8), StringComparison.Ordinal);
        Assert.Contains("index.json has no 'model'", Error(J("{'Format':'bert-mlnet-index','Version':1,'Dimension':1,'Count':0,'Texts':[]}")), StringComparison.Ordinal);

        static string Texts(int count) => "[" + string.Join(',', Enumerable.Repeat("\"t\"", count)) + "]";
    }

    [Fact]
    public void FoldersTokenizerFilesAndLibraryOptionsAreNamedAsTheUserWroteThem()
    {
        var input = Path.Combine(folder, "in.txt");
        File.WriteAllText(input, "the quick brown fox\nhéllo wörld\n");
        var output = Path.Combine(folder, "out.npy");
        Assert.Equal($"Input '{folder}' is a folder; expected a text file, one text per line.",
            Assert.Throws<ArgumentException>(() => EmbedCommand.Run(TinyModel, folder, output, new EmbeddingOptions(), 1, CancellationToken.None)).Message);

        // The library's option errors, in the CLI's flags and one line.
        string Flag(EmbeddingOptions options) =>
            CommandErrors.InFlags(Assert.ThrowsAny<ArgumentException>(() => EmbedCommand.Run(TinyModel, input, output, options, 1, CancellationToken.None)));
        Assert.Equal("--batch-size is 0; expected at least 1.", Flag(new EmbeddingOptions { BatchSize = 0 }));
        Assert.Equal("--stride is -1; expected 0 or more.", Flag(new EmbeddingOptions { Stride = -1 }));
        Assert.Equal("--max-length is 2; expected at least 3 ([CLS], one token, [SEP]).", Flag(new EmbeddingOptions { MaxLength = 2 }));
        Assert.False(File.Exists(output));

        // tokenize takes the model.onnx that embed takes, and finds the tokenizer beside it.
        var fromFolder = Path.Combine(folder, "folder.jsonl");
        var fromOnnx = Path.Combine(folder, "onnx.jsonl");
        Assert.Equal(0, TokenizeCommand.Run(Bundled, input, fromFolder, 512, CancellationToken.None));
        Assert.Equal(0, TokenizeCommand.Run(Path.Combine(Bundled, "onnx", "model.onnx"), input, fromOnnx, 512, CancellationToken.None));
        Assert.Equal(File.ReadAllText(fromFolder), File.ReadAllText(fromOnnx));
    }

    [Fact]
    public async Task AMissingTempFolderIsNamed()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in new[] { typeof(ModelsCommand).Assembly.Location, "evaluate", "--model", "m.zip", "--dataset", "d.tsv" })
        {
            start.ArgumentList.Add(arg);
        }

        var missing = Path.Combine(folder, "no-such-tmp");
        start.Environment["TMPDIR"] = missing;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Equal($"error: the temp folder '{missing}/' does not exist; create it, or set TMPDIR to a folder that does.", (await stderr).Trim());
        Assert.False(Directory.Exists(missing));
    }

    private string Zip(string name, params (string Entry, string Content)[] entries)
    {
        var path = Path.Combine(folder, name);
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entry, content) in entries)
        {
            using var stream = zip.CreateEntry(entry).Open();
            stream.Write(Encoding.UTF8.GetBytes(content));
        }

        return path;
    }
}
