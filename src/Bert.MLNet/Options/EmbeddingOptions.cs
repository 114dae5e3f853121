using Microsoft.ML.Tokenizers;

namespace Bert.MLNet;

/// <summary>What <see cref="BertModel.Embed"/> computes and how it batches. Immutable; derive variants with <c>with</c>.</summary>
public sealed record EmbeddingOptions
{
    /// <summary>The hidden states to use (default: the last layer). See <see cref="LayerSelection"/>.</summary>
    public LayerSelection Layers { get; init; } = LayerSelection.Last;

    /// <summary>How each layer's token vectors become one vector (default <see cref="Pooling.Mean"/>).</summary>
    public Pooling Pooling { get; init; } = Pooling.Mean;

    /// <summary>How several layers combine (default <see cref="LayerCombination.Concat"/>).</summary>
    public LayerCombination Combine { get; init; } = LayerCombination.Concat;

    /// <summary>One weight per selected layer for <see cref="LayerCombination.Weighted"/>.</summary>
    public IReadOnlyList<float>? LayerWeights { get; init; }

    /// <summary>Scale each output vector to unit length (each layer's, with <see cref="LayerCombination.Separate"/>).</summary>
    public bool Normalize { get; init; }

    /// <summary>The most texts (or windows) in one model run. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The most tokens in one model run, padding included (rows × padded length). Default 16,384.</summary>
    public int TokenBudget { get; init; } = 16_384;

    /// <summary>The longest encoding in tokens, special tokens included; null takes the model's maximum (at most 512).</summary>
    public int? MaxLength { get; init; }

    /// <summary>What to do with texts longer than <see cref="MaxLength"/> (default: truncate and report).</summary>
    public LongTextHandling LongText { get; init; } = LongTextHandling.Truncate;

    /// <summary>With <see cref="LongTextHandling.Window"/>: tokens each window repeats from the one before. Default 128.</summary>
    public int Stride { get; init; } = 128;

    /// <summary>
    /// A tokenizer to use instead of the model's own (any <see cref="Microsoft.ML.Tokenizers.Tokenizer"/>, such as ML.NET's
    /// <c>BertTokenizer</c>). It must add the special tokens itself (<c>[CLS] ... [SEP]</c>), as ML.NET's does by default.
    /// Null, the default, uses the model's <see cref="Tokenizers.BertWordPieceTokenizer"/>, which matches Hugging Face
    /// exactly. A model transformer with another tokenizer runs in memory but cannot be saved.
    /// </summary>
    public Tokenizer? Tokenizer { get; init; }

    /// <summary>
    /// The arithmetic of the model's matrix products: <see cref="Precision.Float32"/> (the default) or <see cref="Precision.Int8"/>
    /// (weights quantized by a graph rewrite when first used; faster, vectors within about 0.99 cosine). A saved model carries
    /// the graph it ran. Int8 quantizes each batch's activations together, so a text's vector varies slightly with its batch.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>How ONNX Runtime runs the model when <c>ApplyBertEmbedding</c> loads it (threads, optimization, CUDA).</summary>
    public RuntimeOptions Runtime { get; init; } = new();

    internal void Validate(int selectedLayers)
    {
        if (!Enum.IsDefined(Precision))
        {
            throw BertErrors.Option(nameof(Precision), Precision, "Float32 or Int8");
        }

        if (BatchSize < 1)
        {
            throw BertErrors.Option(nameof(BatchSize), BatchSize, "at least 1");
        }

        if (TokenBudget < 2)
        {
            throw BertErrors.Option(nameof(TokenBudget), TokenBudget, "at least 2");
        }

        if (MaxLength is < 3)
        {
            throw BertErrors.Option(nameof(MaxLength), MaxLength, "at least 3 ([CLS], one token, [SEP])");
        }

        if (Stride < 0)
        {
            throw BertErrors.Option(nameof(Stride), Stride, "0 or more");
        }

        if (Combine == LayerCombination.Weighted && (LayerWeights is null || LayerWeights.Count != selectedLayers))
        {
            throw BertErrors.Invalid(nameof(LayerWeights),
                $"{nameof(LayerCombination.Weighted)} needs one weight per selected layer: {selectedLayers} layers ('{Layers}') but {LayerWeights?.Count ?? 0} weights.");
        }
    }
}
