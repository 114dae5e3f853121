namespace Bert.MLNet.Embeddings;

/// <summary>
/// Texts checked and encoded for one embedding call, waiting for the model: the segments to run, the hidden-state
/// outputs to pool, and what <see cref="Assemble"/> needs to turn the pooled segments into the call's result.
/// </summary>
internal sealed class PreparedEmbedding(int count, EmbeddingOptions options, string[] layerOutputs, int hiddenSize,
    List<Segment> segments, int[] tokenCounts, bool[] truncated, int[] windowCounts)
{
    /// <summary>How many texts.</summary>
    internal int Count => count;

    internal EmbeddingOptions Options => options;

    /// <summary>One hidden-state output name per selected layer, in order.</summary>
    internal string[] LayerOutputs => layerOutputs;

    internal List<Segment> Segments => segments;

    /// <summary>The tokens the model runs for these texts, special tokens included.</summary>
    internal long Tokens { get; } = segments.Sum(s => (long)s.Ids.Length);

    /// <summary>The result from each segment's pooled layers (<see cref="GraphRunner.RunAll"/> for <see cref="Options"/>' pooling).</summary>
    internal EmbeddingResult Assemble(float[][] perLayer)
    {
        var combine = options.Pooling == Pooling.FirstLastAverage ? LayerCombination.Mean : options.Combine;
        return options.Pooling == Pooling.None
            ? EmbeddingResults.PerToken(count, segments, perLayer, layerOutputs.Length, hiddenSize, combine, options, tokenCounts, truncated, windowCounts)
            : EmbeddingResults.Pooled(count, segments, perLayer, layerOutputs.Length, hiddenSize, combine, options.Pooling, options, tokenCounts, truncated, windowCounts);
    }
}
