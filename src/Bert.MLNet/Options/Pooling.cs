namespace Bert.MLNet;

/// <summary>
/// How a layer's token vectors become one vector per text. Every pooling is mask-aware: special tokens count,
/// padding never does, so a text's vector does not depend on what it was batched with.
/// </summary>
public enum Pooling
{
    /// <summary>The mean over tokens (sentence-transformers' default).</summary>
    Mean,

    /// <summary>The first token's vector (<c>[CLS]</c>).</summary>
    Cls,

    /// <summary>The element-wise maximum over tokens.</summary>
    Max,

    /// <summary>The sum over tokens divided by the square root of their number.</summary>
    MeanSqrtLen,

    /// <summary>
    /// The mean over tokens of the average of the first and last encoder layers (layers 1 and N), the
    /// BERT-whitening paper's recipe; it chooses its own layers, so the layer selection is not used.
    /// </summary>
    FirstLastAverage,

    /// <summary>No pooling: one vector per token (special tokens included).</summary>
    None,
}

/// <summary>How the pooled vectors of several selected layers become the output.</summary>
public enum LayerCombination
{
    /// <summary>Side by side, in selection order: layers × hidden values (the BERT paper's best feature-based recipe concatenated the last four).</summary>
    Concat,

    /// <summary>The element-wise mean of the layers: hidden values.</summary>
    Mean,

    /// <summary>The weighted sum with <see cref="EmbeddingOptions.LayerWeights"/>: hidden values.</summary>
    Weighted,

    /// <summary>Each layer kept apart: a [layers, hidden] block per text.</summary>
    Separate,
}

/// <summary>What to do with a text longer than the maximum length.</summary>
public enum LongTextHandling
{
    /// <summary>Keep the first tokens and report the text as truncated.</summary>
    Truncate,

    /// <summary>Split into overlapping windows (see <see cref="EmbeddingOptions.Stride"/>) and pool them into one vector.</summary>
    Window,
}
