using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

/// <summary>
/// Models by name: the registry, the verified cache (each file checked by SHA-256, rebuilt when damaged, written
/// atomically, a clear error for a folder that cannot be written) and each model's conventions.
/// </summary>
public sealed class PretrainedModelTests : IDisposable
{
    private static readonly string BundledFolder = Path.Combine(Testing.RepositoryRoot.Path, "models", "bert-l4-h128-uncased");

    private readonly string cache = Directory.CreateTempSubdirectory("bert-mlnet-cache-").FullName;

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFileSystemEntries(cache, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(cache, recursive: true);
    }

    [Fact]
    public void TheNamesAreTheContractAndTheDefaultIsMiniLm()
    {
        Assert.Equal(["all-MiniLM-L6-v2", "snowflake-arctic-embed-xs", "bert-l4-h128-uncased"], PretrainedModels.All.Select(m => m.Name));
        Assert.Equal("all-MiniLM-L6-v2", PretrainedModels.DefaultName);
        Assert.Equal([(6, 384), (6, 384), (4, 128)], PretrainedModels.All.Select(m => (m.Layers, m.HiddenSize)));
        Assert.Same(PretrainedModels.All[1], PretrainedModels.Find("Snowflake-Arctic-Embed-XS"));
        Assert.Null(PretrainedModels.Find("bert-base-uncased"));
    }

    [Fact]
    public void AnUnknownNameListsTheKnownOnes()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BertModel.Load("all-MiniLM-L12-v2"));
        Assert.Contains("'all-MiniLM-L12-v2'", error.Message, StringComparison.Ordinal);
        Assert.All(PretrainedModels.Names, name => Assert.Contains(name, error.Message, StringComparison.Ordinal));
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, ["x"]);
        Assert.Contains("known names: all-MiniLM-L6-v2", Assert.Throws<FileNotFoundException>(
            () => ml.Transforms.Text.ApplyBertEmbedding("F", "Text", "no-such-model").GetOutputSchema(EstimatorContract.ShapeOf(data.Schema))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBundledModelByNameIsTheRepositorysFolderByteForByte()
    {
        var folder = PretrainedModels.Materialize("bert-l4-h128-uncased", cache, CancellationToken.None);
        foreach (var name in new[] { "onnx/model.onnx", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "config.json", "README.md" })
        {
            Assert.Equal(Sha256(Path.Combine(BundledFolder, name)), Sha256(Path.Combine(folder, name)));
        }

        using var byName = BertModel.Load(folder);
        using var byPath = BertModel.Load(BundledFolder);
        Assert.Equal(byPath.Fingerprint, byName.Fingerprint);
        Assert.Equal(Sha256(Path.Combine(BundledFolder, "onnx", "model.onnx")), PretrainedModels.Find("bert-l4-h128-uncased")!.Fingerprint);
        string[] texts = ["the dog chased the horse", "a tool for driving nails"];
        Assert.Equal(byPath.Embed(texts).Data.ToArray(), byName.Embed(texts).Data.ToArray());
        AssertNoPartialFiles();
    }

    [Fact]
    public void MiniLmAndArcticComeFromTheirPackagesWithTheirConventions()
    {
        foreach (var name in new[] { "all-MiniLM-L6-v2", "snowflake-arctic-embed-xs" })
        {
            var known = PretrainedModels.Find(name)!;
            var folder = PretrainedModels.Materialize(name, cache, CancellationToken.None);
            Assert.Equal(known.Fingerprint, Sha256(Path.Combine(folder, "model.onnx")));
            Assert.InRange(new FileInfo(Path.Combine(folder, "model.onnx")).Length, 89_000_000, 91_000_000);
            Assert.True(File.Exists(Path.Combine(folder, "README.md")), "the model card travels with the files");
            var conventions = ModelConventions.Read(folder);
            Assert.Equal(name == "all-MiniLM-L6-v2"
                ? new ModelConventions(Pooling.Mean, true, 256, null)
                : new ModelConventions(Pooling.Cls, true, 512, "Represent this sentence for searching relevant passages: "), conventions);
        }

        AssertNoPartialFiles();
    }

    [Fact]
    public void LoadingByNameChecksTheConfigAgainstTheGraphAndAppliesTheConventions()
    {
        using var model = BertModel.Load("all-MiniLM-L6-v2");
        Assert.Equal("all-MiniLM-L6-v2", model.Name);
        Assert.Equal((6, 384, 512, 256), (model.LayerCount, model.HiddenSize, model.MaxPositions, model.DefaultMaxLength));
        Assert.Equal(PretrainedModels.Find("all-MiniLM-L6-v2")!.Fingerprint, model.Fingerprint);

        // No options: the model's own (mean of the last layer, unit length); the same as spelling them out.
        string[] texts = ["A man is playing a guitar.", "The new movie is awesome", string.Concat(Enumerable.Repeat("the dog chased the horse ", 100))];
        var byDefault = model.Embed(texts);
        var spelled = model.Embed(texts, new EmbeddingOptions { Layers = LayerSelection.Last, Pooling = Pooling.Mean, Normalize = true });
        Assert.Equal(spelled.Data.ToArray(), byDefault.Data.ToArray());
        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(byDefault[0]), 1e-5f);
        Assert.Equal(256, model.Tokenizer.Encode(texts[2], model.DefaultMaxLength).Ids.Count);
        Assert.True(byDefault.Truncated[2]);
    }

    [Fact]
    public void AnApplyBertEmbeddingWithoutOptionsGivesTheModelsConventionalVectors()
    {
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, ["the dog chased the horse", "a tool for driving nails"]);
        var estimator = ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", "snowflake-arctic-embed-xs");
        Assert.Contains(estimator.GetOutputSchema(EstimatorContract.ShapeOf(data.Schema)), c => c.Name == "Features" && c.Kind == SchemaShape.Column.VectorKind.Vector);
        using var transformer = estimator.Fit(data);
        Assert.Equal(384, ((VectorDataViewType)transformer.GetOutputSchema(data.Schema)["Features"].Type).Size);
        var rows = transformer.Transform(data).GetColumn<float[]>("Features").ToArray();
        var expected = transformer.Model.Embed(["the dog chased the horse", "a tool for driving nails"],
            new EmbeddingOptions { Pooling = Pooling.Cls, Normalize = true });
        for (var row = 0; row < rows.Length; row++)
        {
            Assert.Equal(384, rows[row].Length);
            Assert.All(rows[row].Zip(expected[row].ToArray()), pair => Assert.Equal(pair.Second, pair.First, 1e-5f));
        }
    }

    [Fact]
    public async Task QueriesGetArcticsPromptAndDocumentsDoNot()
    {
        using var model = BertModel.Load("snowflake-arctic-embed-xs");
        const string prefix = "Represent this sentence for searching relevant passages: ";
        var query = "what do dogs eat";
        var asQuery = model.EmbedQueries([query]);
        Assert.Equal(model.Embed([prefix + query]).Data.ToArray(), asQuery.Data.ToArray());
        Assert.NotEqual(model.Embed([query]).Data.ToArray(), asQuery.Data.ToArray());

        using var documents = new BertEmbeddingGenerator(model);
        using var queries = new BertEmbeddingGenerator(model, purpose: EmbeddingPurpose.Query);
        Assert.Equal(model.Embed([query]).Data.ToArray(), (await documents.GenerateAsync([query]))[0].Vector.ToArray());
        Assert.Equal(asQuery.Data.ToArray(), (await queries.GenerateAsync([query]))[0].Vector.ToArray());
        Assert.Equal("snowflake-arctic-embed-xs", queries.Metadata.DefaultModelId);

        string[] stored = ["Dogs eat meat and dry food.", "The stock market fell sharply.", "Cats sleep most of the day."];
        var index = new Bert.MLNet.Similarity.VectorIndex(model.HiddenSize);
        index.AddRange(model.Embed(stored));
        var hits = index.Search(model, query, k: 3);
        Assert.Equal(index.Search(asQuery[0], 3), hits);
        Assert.Equal(0, hits[0].Index);

        // A model without a prompt embeds queries as documents.
        using var miniLm = BertModel.Load("all-MiniLM-L6-v2");
        Assert.Null(miniLm.Conventions.QueryPrefix);
        Assert.Equal(miniLm.Embed([query]).Data.ToArray(), miniLm.EmbedQueries([query]).Data.ToArray());
    }

    [Fact]
    public void ATruncatedOrDamagedCachedFileIsWrittenAgain()
    {
        var folder = PretrainedModels.Materialize("bert-l4-h128-uncased", cache, CancellationToken.None);
        var onnx = Path.Combine(folder, "onnx", "model.onnx");
        var vocab = Path.Combine(folder, "vocab.txt");
        var good = Sha256(onnx);

        // The stamp a later process trusts instead of hashing: it must not hide a file changed since (even at its old length).
        Assert.True(File.Exists(Path.Combine(folder, ".verified")));
        using (var stream = new FileStream(onnx, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var bytes = File.ReadAllBytes(vocab);
        bytes[100] ^= 0x20;
        File.WriteAllBytes(vocab, bytes);

        // A fresh process would see them: this one remembers what it checked, so forget it as a new process would.
        PretrainedModels.ForgetVerified();
        Assert.Equal(folder, PretrainedModels.Materialize("bert-l4-h128-uncased", cache, CancellationToken.None));
        Assert.Equal(good, Sha256(onnx));
        Assert.Equal(Sha256(Path.Combine(BundledFolder, "vocab.txt")), Sha256(vocab));
        using var model = BertModel.Load(folder);
        Assert.Equal(4, model.LayerCount);
        AssertNoPartialFiles();
    }

    [Fact]
    public void ACacheFolderThatCannotBeWrittenIsNamedAndNothingIsLeft()
    {
        // Under a file, no process can create a folder (root ignores read-only permissions, not this).
        var blocker = Path.Combine(cache, "not-a-folder");
        File.WriteAllText(blocker, "x");
        var error = Assert.Throws<IOException>(() => PretrainedModels.Materialize("bert-l4-h128-uncased", blocker, CancellationToken.None));
        Assert.Contains(Path.Combine(blocker, "bert-l4-h128-uncased"), error.Message, StringComparison.Ordinal);
        Assert.Contains(PretrainedModels.CacheVariable, error.Message, StringComparison.Ordinal);

        // A read-only file system (procfs), which stops root too.
        if (OperatingSystem.IsLinux())
        {
            error = Assert.Throws<IOException>(() => PretrainedModels.Materialize("bert-l4-h128-uncased", "/proc/bert-mlnet-cache", CancellationToken.None));
            Assert.Contains("/proc/bert-mlnet-cache/bert-l4-h128-uncased", error.Message, StringComparison.Ordinal);
        }

        // A read-only folder, where permissions apply (not as root, whom they do not stop).
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            var readOnly = Directory.CreateDirectory(Path.Combine(cache, "read-only")).FullName;
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            error = Assert.Throws<IOException>(() => PretrainedModels.Materialize("bert-l4-h128-uncased", readOnly, CancellationToken.None));
            Assert.Contains(readOnly, error.Message, StringComparison.Ordinal);
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        AssertNoPartialFiles();
    }

    [Fact]
    public void ACancelledFirstUseLeavesNothingBehind()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PretrainedModels.Materialize("all-MiniLM-L6-v2", cache, cancelled.Token));
        Assert.Empty(Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void MalformedConventionsNameTheirFile()
    {
        var folder = Directory.CreateDirectory(Path.Combine(cache, "st")).FullName;
        File.WriteAllText(Path.Combine(folder, "modules.json"), """[{"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]""");
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        var pooling = Path.Combine(folder, "1_Pooling", "config.json");
        File.WriteAllText(pooling, """{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}""");
        Assert.Contains(pooling, Assert.Throws<InvalidDataException>(() => ModelConventions.Read(folder)).Message, StringComparison.Ordinal);
        File.WriteAllText(pooling, """{"pooling_mode_max_tokens": true}""");
        Assert.Equal(new ModelConventions(Pooling.Max, false, null, null), ModelConventions.Read(folder));
        File.WriteAllText(Path.Combine(folder, "sentence_bert_config.json"), """{"max_seq_length": "long"}""");
        Assert.Contains("sentence_bert_config.json: max_seq_length", Assert.Throws<InvalidDataException>(() => ModelConventions.Read(folder)).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "modules.json"), "{");
        Assert.Contains("modules.json: not valid JSON", Assert.Throws<InvalidDataException>(() => ModelConventions.Read(folder)).Message, StringComparison.Ordinal);
        Assert.Equal(ModelConventions.Default, ModelConventions.Read(BundledFolder));
    }

    private void AssertNoPartialFiles() =>
        Assert.Empty(Directory.EnumerateFiles(cache, "*.partial", SearchOption.AllDirectories));

    private static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
