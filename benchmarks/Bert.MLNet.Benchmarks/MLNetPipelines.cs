using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;

namespace Bert.MLNet.Benchmarks;

/// <summary>
/// The ML.NET pipelines the embedding benchmarks compare, fitted once on the benchmark's sentences: ours in memory,
/// ours saved and loaded (plain, and with the embedding step batched again), and the pipeline an ML.NET user writes
/// today with ML.NET's own parts.
/// </summary>
internal sealed class MLNetPipelines : IDisposable
{
    private readonly string zip = Path.Combine(Path.GetTempPath(), $"bert-mlnet-bench-{Guid.NewGuid():N}.zip");
    private readonly IDataView data;

    internal MLNetPipelines(string modelPath, string[] sentences)
    {
        var files = ModelFiles.Locate(modelPath);
        var ml = new MLContext();
        data = ml.Data.LoadFromEnumerable(sentences.Select(s => new TextRow { Text = s }));
        Transformer = ml.Transforms.Text.ApplyBertEmbedding("Embedding", "Text", modelPath).Fit(data);
        ml.Model.Save(Transformer, data.Schema, zip);
        Loaded = new MLContext().Model.Load(zip, out _);
        LoadedBatched = new MLContext().Model.LoadWithBatchedEmbeddings(zip, out _);

        var tokenizer = BertTokenizer.Create(Path.Combine(files.TokenizerPath, "vocab.txt"), new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        Peer = ml.Transforms.CustomMapping<TextRow, Encoded>((input, output) =>
            {
                var ids = tokenizer.EncodeToIds(input.Text, addSpecialTokens: true);
                output.InputIds = [.. ids.Select(i => (long)i)];
                output.AttentionMask = [.. ids.Select(_ => 1L)];
                output.TokenTypeIds = new long[ids.Count];
            }, contractName: null)
            .Append(ml.Transforms.ApplyOnnxModel(["last_hidden_state"], ["input_ids", "attention_mask", "token_type_ids"],
                files.OnnxPath))
            .Append(ml.Transforms.CustomMapping<HiddenStates, Pooled>((input, output) =>
            {
                var tokens = input.AttentionMask.Length;
                var width = input.LastHiddenState.Length / tokens;
                var sum = new float[width];
                for (var t = 0; t < tokens; t++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(sum, input.LastHiddenState.AsSpan(t * width, width), sum);
                }

                System.Numerics.Tensors.TensorPrimitives.Divide(sum, tokens, sum);
                output.Embedding = sum;
            }, contractName: null))
            .Fit(data);
    }

    internal BertEmbeddingTransformer Transformer { get; }

    internal ITransformer Loaded { get; }

    internal ITransformer LoadedBatched { get; }

    internal ITransformer Peer { get; }

    /// <summary>Transforms the sentences and reads every embedding, as a trainer would.</summary>
    internal int Count(ITransformer transformer)
    {
        var output = transformer.Transform(data);
        using var cursor = output.GetRowCursor([output.Schema["Embedding"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(output.Schema["Embedding"]);
        var vector = default(VBuffer<float>);
        var rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref vector);
            rows++;
        }

        return rows;
    }

    public void Dispose()
    {
        Transformer.Dispose();
        (Loaded as IDisposable)?.Dispose();
        (LoadedBatched as IDisposable)?.Dispose();
        (Peer as IDisposable)?.Dispose();
        File.Delete(zip);
    }

    internal sealed class TextRow
    {
        public string Text { get; set; } = string.Empty;
    }

    internal sealed class Encoded
    {
        [ColumnName("input_ids"), VectorType]
        public long[] InputIds { get; set; } = [];

        [ColumnName("attention_mask"), VectorType]
        public long[] AttentionMask { get; set; } = [];

        [ColumnName("token_type_ids"), VectorType]
        public long[] TokenTypeIds { get; set; } = [];
    }

    internal sealed class HiddenStates
    {
        [ColumnName("last_hidden_state"), VectorType]
        public float[] LastHiddenState { get; set; } = [];

        [ColumnName("attention_mask"), VectorType]
        public long[] AttentionMask { get; set; } = [];
    }

    internal sealed class Pooled
    {
        [VectorType(128)]
        public float[] Embedding { get; set; } = [];
    }
}
