using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Bert.MLNet.Embeddings;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet.Benchmarks;

/// <summary>
/// Mean-pooled last-layer embeddings of 1,000 real sentences (npm nlp-corpus) with the bundled model, end to end,
/// against the raw ONNX Runtime floor: the same sentences pre-tokenized, in the same length-sorted batches, fed
/// straight to ONNX Runtime's <c>InferenceSession.Run</c> with nothing else done. In ML.NET: the in-memory
/// <c>ApplyBertEmbedding</c> transform, the same transform saved and loaded (OnnxTransformer, one row per run), and
/// the pipeline an ML.NET user writes today without this library — ML.NET's <c>BertTokenizer</c> in a CustomMapping,
/// <c>ApplyOnnxModel</c> over the model's <c>last_hidden_state</c>, mean pooling in a CustomMapping. The peer script
/// benchmarks/peers/embed-transformersjs.mjs runs transformers.js' feature-extraction pipeline on the same work.
/// </summary>
[Config(typeof(Config))]
public class EmbeddingBenchmarks
{
    internal const int SentenceCount = 1_000;

    private BertModel model = null!;
    private string[] sentences = null!;
    private List<(long[] Ids, long[] Mask, long[] Types, long[] Shape)> floorBatches = null!;
    private string[] lastLayer = null!;
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private readonly RunOptions runOptions = new();
    private MLNetPipelines? pipelines;

    [GlobalSetup]
    public void Setup()
    {
        model = BertModel.Load(BenchmarkData.Model());
        sentences = BenchmarkData.Sentences(SentenceCount);
        pipelines = new MLNetPipelines(BenchmarkData.Model(), sentences);
        lastLayer = [model.HiddenStateOutput(model.LayerCount)];
        var segments = sentences.Select((s, i) => new Segment(i, [.. model.Tokenizer.Encode(s).Ids])).ToList();
        floorBatches = [];
        foreach (var batch in Batcher.Plan(segments, 32, 16_384))
        {
            var length = batch.Max(i => segments[i].Ids.Length);
            var ids = new long[batch.Length * length];
            var mask = new long[ids.Length];
            for (var r = 0; r < batch.Length; r++)
            {
                var row = segments[batch[r]].Ids;
                for (var t = 0; t < row.Length; t++)
                {
                    ids[(r * length) + t] = row[t];
                    mask[(r * length) + t] = 1;
                }
            }

            floorBatches.Add((ids, mask, new long[ids.Length], [batch.Length, length]));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        model.Dispose();
        runOptions.Dispose();
        pipelines?.Dispose();
    }

    /// <summary>The floor: pre-tokenized, length-sorted batches into Run; outputs freed unread.</summary>
    [Benchmark(Baseline = true)]
    public int OnnxRuntimeFloor()
    {
        var total = 0;
        foreach (var (ids, mask, types, shape) in floorBatches)
        {
            using var idValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var typeValue = OrtValue.CreateTensorValueFromMemory(types, shape);
            using var outputs = model.Session.Run(runOptions, InputNames, [idValue, maskValue, typeValue], lastLayer);
            total += outputs.Count;
        }

        return total;
    }

    /// <summary>End to end: tokenize, batch, run, mean-pool, return in input order.</summary>
    [Benchmark]
    public int EmbedMeanPooled() => model.Embed(sentences, new EmbeddingOptions { Pooling = Pooling.Mean }).Count;

    /// <summary>End to end with every hidden state pooled (5 layers concatenated).</summary>
    [Benchmark]
    public int EmbedAllLayers() => model.Embed(sentences, new EmbeddingOptions { Layers = LayerSelection.All, Pooling = Pooling.Mean }).Count;

    /// <summary><c>ApplyBertEmbedding</c> in memory: read-ahead blocks, length-sorted batches, rows back in order.</summary>
    [Benchmark]
    public int MLNetTransform() => pipelines!.Count(pipelines.Transformer);

    /// <summary>The same transform after save and load: ML.NET's OnnxTransformer over the pooled graph, one row per run.</summary>
    [Benchmark]
    public int MLNetLoadedModel() => pipelines!.Count(pipelines.Loaded);

    /// <summary>Today's ML.NET pipeline without this library (see the class summary).</summary>
    [Benchmark]
    public int MLNetRowByRowPeer() => pipelines!.Count(pipelines.Peer);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("Sentences/s", _ => SentenceCount));
    }
}
