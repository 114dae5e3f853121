using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Microsoft.ML;

namespace Bert.MLNet.Benchmarks;

/// <summary>
/// One text through ML.NET's <c>PredictionEngine</c> over a loaded (saved) <c>ApplyBertEmbedding</c> model: the latency a
/// service answering one request at a time sees. Texts cycle through 200 real sentences. Each iteration is one call
/// (invocation count 1), so the percentiles are those of single requests; p99 comes from <see cref="PercentileColumn"/>.
/// </summary>
[Config(typeof(Config))]
public class PredictionLatencyBenchmarks
{
    private string[] sentences = null!;
    private ITransformer loaded = null!;
    private PredictionEngine<MLNetPipelines.TextRow, Output> engine = null!;
    private readonly MLNetPipelines.TextRow input = new();
    private int next;
    private string zip = null!;

    [GlobalSetup]
    public void Setup()
    {
        sentences = BenchmarkData.Sentences(200);
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(sentences.Select(s => new MLNetPipelines.TextRow { Text = s }));
        zip = Path.Combine(Path.GetTempPath(), $"bert-mlnet-bench-{Guid.NewGuid():N}.zip");
        using (var transformer = ml.Transforms.Text.ApplyBertEmbedding("Embedding", "Text", BenchmarkData.Model()).Fit(data))
        {
            ml.Model.Save(transformer, data.Schema, zip);
        }

        loaded = new MLContext().Model.Load(zip, out _);
        engine = new MLContext().Model.CreatePredictionEngine<MLNetPipelines.TextRow, Output>(loaded);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        engine.Dispose();
        (loaded as IDisposable)?.Dispose();
        File.Delete(zip);
    }

    /// <summary>One sentence in, its embedding out.</summary>
    [Benchmark]
    public float PredictOne()
    {
        input.Text = sentences[next++ % sentences.Length];
        return engine.Predict(input).Embedding[0];
    }

    public sealed class Output
    {
        public float[] Embedding { get; set; } = [];
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithWarmupCount(50).WithIterationCount(1000));
            AddColumn(StatisticColumn.P50, StatisticColumn.P95, new PercentileColumn(99), StatisticColumn.Max);
        }
    }
}
