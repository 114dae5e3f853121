namespace Bert.MLNet;

/// <summary>
/// The embeddings of a list of texts, in input order, with what happened to each text (its token count,
/// whether it was truncated, how many windows it took).
/// </summary>
public sealed class EmbeddingResult
{
    private readonly float[] data;
    private readonly float[][]? tokenVectors;

    internal EmbeddingResult(float[] data, int count, int[] shape, float[][]? tokenVectors, int[] tokenCounts, bool[] truncated, int[] windowCounts)
    {
        this.data = data;
        this.tokenVectors = tokenVectors;
        Count = count;
        Shape = shape;
        TokenCounts = tokenCounts;
        Truncated = truncated;
        WindowCounts = windowCounts;
    }

    /// <summary>The number of texts.</summary>
    public int Count { get; }

    /// <summary>
    /// The shape of one text's embedding: <c>[hidden]</c>, <c>[layers × hidden]</c> for concatenation, <c>[layers, hidden]</c> for
    /// separate layers; with <see cref="Pooling.None"/> <c>[tokens, dimension]</c> where tokens varies by text (given as -1).
    /// </summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of floats in one text's embedding (per token, with <see cref="Pooling.None"/>).</summary>
    public int Dimension => Shape[^1] * (Shape.Count == 2 && Shape[0] > 0 ? Shape[0] : 1);

    /// <summary>Each text's WordPiece count (special tokens excluded) before any truncation.</summary>
    public IReadOnlyList<int> TokenCounts { get; }

    /// <summary>Whether each text was cut to the maximum length (always false with windows).</summary>
    public IReadOnlyList<bool> Truncated { get; }

    /// <summary>How many windows each text was split into (1 when it fits).</summary>
    public IReadOnlyList<int> WindowCounts { get; }

    /// <summary>All pooled embeddings, row-major: <see cref="Count"/> × <see cref="Dimension"/> floats.</summary>
    /// <exception cref="InvalidOperationException">The result holds per-token vectors (<see cref="Pooling.None"/>).</exception>
    public ReadOnlySpan<float> Data => tokenVectors is null ? data : throw PerToken();

    /// <summary>Text <paramref name="row"/>'s embedding (its per-token vectors, token-major, with <see cref="Pooling.None"/>).</summary>
    public ReadOnlySpan<float> this[int row] =>
        tokenVectors is not null ? tokenVectors[row] : data.AsSpan(row * Dimension, Dimension);

    /// <summary>With <see cref="Pooling.None"/>: the number of token vectors of text <paramref name="row"/>.</summary>
    public int TokenVectorCount(int row) => tokenVectors is null ? 1 : tokenVectors[row].Length / Shape[^1];

    private static InvalidOperationException PerToken() =>
        new("This result holds one vector per token (Pooling.None); read each text with the indexer.");
}
