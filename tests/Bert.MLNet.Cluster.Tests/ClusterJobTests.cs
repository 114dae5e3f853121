using System.Security.Cryptography;
using System.Text.Json;
using Bert.MLNet.Testing;
using Orleans.TestingHost;

namespace Bert.MLNet.Cluster.Tests;

/// <summary>
/// A corpus job on Orleans' test cluster of three silos, each loading the bundled model: a silo killed mid-job loses
/// only shards that are redone elsewhere, a client stopped mid-job resumes from the manifest, and in every case the
/// parts, read back by DuckDB as one table, hold each input row once with the vector one process gives it.
/// </summary>
public sealed class ClusterJobTests : IAsyncLifetime, IDisposable
{
    private static readonly string ModelPath = Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "models", "bert-l4-h128-uncased");
    private static readonly EmbeddingOptions Options = new() { Layers = LayerSelection.Parse("-2..-1"), Pooling = Pooling.Mean, Normalize = true, MaxLength = 48 };

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-cluster-").FullName;
    private TestCluster cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<BundledModelSilo>();
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task ASiloKilledMidJobLosesNoRowAndDuplicatesNone()
    {
        // 24 shards of 100 texts of 128 tokens.
        var options = Options with { MaxLength = 128 };
        var input = Input(2_400, longEvery: 1);
        var job = new ClusterJob(cluster.Client);
        var settings = JobSettings.From(options, await job.DescribeAsync(CancellationToken.None));

        // When the first shard is done, the victim is the secondary silo (not the primary, which holds the test
        // cluster's membership) with the most shard activations: placement by activation count works from statistics
        // that lag, so a silo other than the one that finished may still hold none. If the victim had nothing in
        // flight all the same (nothing redone: the run proves only that nothing was lost), a second run kills the
        // other secondary.
        for (var attempt = 0; ; attempt++)
        {
            var output = Path.Combine(folder, $"parts-{attempt}");
            Task? kill = null;
            var progress = new Inline<JobProgress>(p =>
            {
                if (kill is null && p.Done == 1)
                {
                    kill = KillBusiestSecondaryAsync();
                }
            });

            var summary = await job.RunAsync(input, settings, output, shardRows: 100, progress, CancellationToken.None);
            Assert.NotNull(kill);
            await kill;

            Assert.Equal(24, summary.Manifest.Shards);
            Assert.True(summary.Manifest.Complete);
            Assert.Equal(Enumerable.Range(0, 24), summary.Manifest.Done.Select(r => r.Shard));
            Assert.True(summary.ShardsPerSilo.Count >= 2, $"shards ran on {string.Join(", ", summary.ShardsPerSilo.Keys)} only");
            AssertSameAsOneProcess(input, output, options);
            Assert.Equal(["_manifest.json", .. Enumerable.Range(0, 24).Select(PartsFolder.PartName)], Entries(output));
            if (summary.Redone >= 1)
            {
                break;
            }

            Assert.True(attempt == 0 && cluster.SecondarySilos.Count > 0,
                $"the killed silos had no shard in flight, so nothing was redone: {string.Join(", ", summary.ShardsPerSilo)}");
        }
    }

    [Fact]
    public async Task AClientStoppedMidJobIsResumedFromTheManifestByTheNextRun()
    {
        var input = Input(600);
        var job = new ClusterJob(cluster.Client);
        var settings = JobSettings.From(Options, await job.DescribeAsync(CancellationToken.None));
        var output = Path.Combine(folder, "parts");
        using var stop = new CancellationTokenSource();
        var progress = new Inline<JobProgress>(p =>
        {
            if (p.Done >= 3)
            {
                stop.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(input, settings, output, shardRows: 20, progress, stop.Token));
        var stopped = Manifest(output);
        Assert.False(stopped.Complete);
        Assert.InRange(stopped.Done.Count, 3, 29);

        // The same job again: what the manifest or the folder holds is kept, the rest is embedded.
        var summary = await job.RunAsync(input, settings, output, shardRows: 20, progress: null, CancellationToken.None);
        Assert.True(summary.Resumed >= stopped.Done.Count, $"resumed {summary.Resumed}, the manifest had {stopped.Done.Count}");
        Assert.Equal(30, summary.Resumed + summary.ShardsPerSilo.Values.Sum());
        Assert.True(summary.Manifest.Complete);
        AssertSameAsOneProcess(input, output, Options);

        // Another job (here: other shards) is refused the folder, naming the option.
        var other = await Assert.ThrowsAsync<ArgumentException>(() => job.RunAsync(input, settings, output, shardRows: 21, progress: null, CancellationToken.None));
        Assert.Contains("--output", other.Message, StringComparison.Ordinal);
        Assert.Contains("holds job", other.Message, StringComparison.Ordinal);

        // A folder that cannot be made (a file stands where its parent should be) is named by its option.
        var under = Path.Combine(input.Path, "parts");
        var unmade = await Assert.ThrowsAsync<IOException>(() => job.RunAsync(input, settings, under, shardRows: 20, progress: null, CancellationToken.None));
        Assert.StartsWith($"--output '{under}': the folder cannot be made there", unmade.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobRunAgainIntoAnotherFolderOrAfterAPartWasRemovedWritesEveryPart()
    {
        // The shards' activations of a run that was stopped, or that wrote another folder, still hold their outcomes:
        // a later run must not take "done" from them for its own folder.
        var input = Input(200);
        var job = new ClusterJob(cluster.Client);
        var settings = JobSettings.From(Options, await job.DescribeAsync(CancellationToken.None));
        var first = Path.Combine(folder, "first");
        using (var stop = new CancellationTokenSource())
        {
            var progress = new Inline<JobProgress>(p =>
            {
                if (p.Done >= 4)
                {
                    stop.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(input, settings, first, shardRows: 20, progress, stop.Token));
        }

        var second = Path.Combine(folder, "second");
        var summary = await job.RunAsync(input, settings, second, shardRows: 20, progress: null, CancellationToken.None);
        Assert.True(summary.Manifest.Complete);
        Assert.Equal(["_manifest.json", .. Enumerable.Range(0, 10).Select(PartsFolder.PartName)], Entries(second));
        AssertSameAsOneProcess(input, second, Options);

        // A part removed after the job completed is embedded again by the next run, not taken from the manifest.
        File.Delete(Path.Combine(second, PartsFolder.PartName(3)));
        var again = await job.RunAsync(input, settings, second, shardRows: 20, progress: null, CancellationToken.None);
        Assert.Equal(1, again.ShardsPerSilo.Values.Sum());
        Assert.Equal(9, again.Resumed);
        AssertSameAsOneProcess(input, second, Options);
    }

    [Fact]
    public async Task AnEmptyInputGivesOnePartOfNoRowsThatReadersRead()
    {
        var input = Input(0);
        var job = new ClusterJob(cluster.Client);
        var settings = JobSettings.From(Options, await job.DescribeAsync(CancellationToken.None));
        var output = Path.Combine(folder, "empty");
        var summary = await job.RunAsync(input, settings, output, shardRows: 20, progress: null, CancellationToken.None);
        Assert.True(summary.Manifest.Complete);
        Assert.Equal(["_manifest.json", PartsFolder.PartName(0)], Entries(output));
        var (count, _, rows) = PartsReader.Read(Path.Combine(output, "*.parquet"));
        Assert.Equal(0, count);
        Assert.Empty(rows);
    }

    [Fact]
    public async Task ASiloWhoseTokenizerDiffersRefusesTheJobThoughItsOnnxFileIsTheSame()
    {
        // The bundled model with lowercasing off: the same ONNX file, other ids for any capital letter.
        var copy = Directory.CreateDirectory(Path.Combine(folder, "cased")).FullName;
        foreach (var file in Directory.GetFiles(ModelPath))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        Directory.CreateDirectory(Path.Combine(copy, "onnx"));
        File.Copy(Path.Combine(ModelPath, "onnx", "model.onnx"), Path.Combine(copy, "onnx", "model.onnx"));
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "tokenizer.json")))!;
        config["normalizer"]!["lowercase"] = false;
        File.WriteAllText(Path.Combine(copy, "tokenizer.json"), config.ToJsonString());
        var settingsConfig = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "tokenizer_config.json")))!;
        settingsConfig["do_lower_case"] = false;
        File.WriteAllText(Path.Combine(copy, "tokenizer_config.json"), settingsConfig.ToJsonString());

        using var original = new SiloModel(BertModel.Load(ModelPath), ModelPath, Precision.Float32);
        using var cased = new SiloModel(BertModel.Load(copy), copy, Precision.Float32);
        Assert.Equal(original.Model.Fingerprint, cased.Model.Fingerprint);
        Assert.NotEqual(original.Identity, cased.Identity);
        var work = new ShardWork("job", 0, 0, ["Some Text"], JobSettings.From(Options, original.Describe("a")), folder);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => cased.EmbedAsync(work, "b", CancellationToken.None));
        Assert.Contains("its ONNX file or its tokenizer differs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AShardThatCannotBeEmbeddedFailsTheJobNamingItsRows()
    {
        var input = Input(100);
        var job = new ClusterJob(cluster.Client);
        var served = await job.DescribeAsync(CancellationToken.None);
        var wrongModel = JobSettings.From(Options, served with { Fingerprint = "not-this-model" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => job.RunAsync(input, wrongModel, Path.Combine(folder, "parts"), 40, null, CancellationToken.None));
        Assert.Contains("input rows", error.Message, StringComparison.Ordinal);
        Assert.Contains("run every silo with one --model", error.Message, StringComparison.Ordinal);
    }

    private async Task KillBusiestSecondaryAsync()
    {
        var statistics = await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var shards = statistics.Where(s => s.GrainType.Contains("shard", StringComparison.OrdinalIgnoreCase)).ToArray();
        var victim = cluster.SecondarySilos.MaxBy(silo => shards.Count(s => s.SiloAddress.Equals(silo.SiloAddress)))!;
        await cluster.KillSiloAsync(victim);
    }

    // Distinct texts, every longEvery-th long enough to be truncated at 48 tokens, written to a file the job hashes.
    private JobInput Input(int rows, int longEvery = 37)
    {
        var sentences = File.ReadAllLines(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "datasets", "sample-sentences.txt"));
        var texts = Enumerable.Range(0, rows)
            .Select(i => i % longEvery == 5 % longEvery ? string.Join(' ', Enumerable.Repeat(sentences[i % sentences.Length], 10)) : $"{sentences[i % sentences.Length]} ({i})")
            .ToArray();
        var path = Path.Combine(folder, "input.txt");
        File.WriteAllLines(path, texts);
        var bytes = File.ReadAllBytes(path);
        return JobInput.InMemory(path, null, texts, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static void AssertSameAsOneProcess(JobInput input, string output, EmbeddingOptions options)
    {
        using var model = BertModel.Load(ModelPath);
        var expected = model.Embed(input.ReadRows(0, checked((int)input.Rows)), options);
        var (count, distinct, rows) = PartsReader.Read(Path.Combine(output, "*.parquet"));
        Assert.Equal(input.Rows, count);
        Assert.Equal(count, distinct);
        Assert.Equal(Enumerable.Range(0, checked((int)input.Rows)).Select(r => (long)r), rows.Select(r => r.Row));
        Assert.Contains(rows, r => r.Truncated);
        for (var row = 0; row < rows.Count; row++)
        {
            Assert.Equal(expected.TokenCounts[row], rows[row].Tokens);
            Assert.Equal(expected.Truncated[row], rows[row].Truncated);
            var want = expected[row];
            Assert.Equal(want.Length, rows[row].Vector.Length);
            for (var i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(want[i] - rows[row].Vector[i]) <= 1e-6f, $"row {row} value {i}: {rows[row].Vector[i]} against one process's {want[i]}");
            }
        }
    }

    private static JobManifest Manifest(string output) =>
        JsonSerializer.Deserialize<JobManifest>(File.ReadAllText(Path.Combine(output, PartsFolder.ManifestName)), JobManifest.Json)!;

    private static string[] Entries(string path) => [.. Directory.EnumerateFileSystemEntries(path).Select(e => Path.GetFileName(e)!).Order(StringComparer.Ordinal)];

    /// <summary>Each silo of the test cluster with a model of its own, as <c>bert-mlnet silo</c> has.</summary>
    private sealed class BundledModelSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddBertShards(new SiloModel(BertModel.Load(ModelPath, new RuntimeOptions { IntraOpThreads = 1 }), ModelPath, Precision.Float32));
    }

    /// <summary>Progress reported on the reporting thread, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
