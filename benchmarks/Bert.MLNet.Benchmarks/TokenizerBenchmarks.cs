using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Bert.MLNet.Tokenizers;

namespace Bert.MLNet.Benchmarks;

/// <summary>
/// BERT WordPiece tokenization of 10,000 real English sentences (npm nlp-corpus), uncased vocabulary,
/// single-threaded and batched in parallel. The peer script benchmarks/peers/tokenizer-transformersjs.mjs
/// runs Hugging Face's transformers.js tokenizer on the same sentences.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    internal const int SentenceCount = 10_000;

    private BertWordPieceTokenizer tokenizer = null!;
    private string[] sentences = null!;
    private long[] buffer = null!;

    // Counted where the column needs it: in the host process, which never runs the benchmark's setup.
    private static readonly Lazy<long> TokenCount = new(() =>
    {
        var counter = BertWordPieceTokenizer.Load(BenchmarkData.UncasedTokenizer());
        return BenchmarkData.Sentences(SentenceCount).Sum(s => (long)counter.CountWordPieces(s));
    });

    [GlobalSetup]
    public void Setup()
    {
        tokenizer = BertWordPieceTokenizer.Load(BenchmarkData.UncasedTokenizer());
        sentences = BenchmarkData.Sentences(SentenceCount);
        buffer = new long[512];
    }

    /// <summary>The convenience API: an encoding object (ids, offsets, token strings) per sentence.</summary>
    [Benchmark]
    public int Encode()
    {
        var total = 0;
        foreach (var sentence in sentences)
        {
            total += tokenizer.Encode(sentence).Length;
        }

        return total;
    }

    /// <summary>The zero-allocation API: ids into a caller buffer.</summary>
    [Benchmark(Baseline = true)]
    public int EncodeToIds()
    {
        var total = 0;
        foreach (var sentence in sentences)
        {
            total += tokenizer.EncodeToIds(sentence, buffer, out _);
        }

        return total;
    }

    /// <summary>Padded batches of 64 (pooled buffers), one thread.</summary>
    [Benchmark]
    public int EncodeBatch() => Batches(parallel: false);

    /// <summary>Padded batches of 64, rows tokenized on all cores.</summary>
    [Benchmark]
    public int EncodeBatchParallel() => Batches(parallel: true);

    private int Batches(bool parallel)
    {
        var total = 0;
        for (var start = 0; start < sentences.Length; start += 64)
        {
            using var batch = tokenizer.EncodeBatch(new ArraySegment<string>(sentences, start, Math.Min(64, sentences.Length - start)), parallel: parallel);
            total += batch.SequenceLength;
        }

        return total;
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("Tokens/s", _ => TokenCount.Value));
    }
}
