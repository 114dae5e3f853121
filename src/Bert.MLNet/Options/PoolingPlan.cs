namespace Bert.MLNet.Options;

/// <summary>What the pooled graph computes: the resolved layers in output order, pooling, combination and normalization.</summary>
internal sealed record PoolingPlan(IReadOnlyList<int> Layers, Pooling Pooling, LayerCombination Combine, IReadOnlyList<float>? Weights, bool Normalize,
    Precision Precision)
{
    /// <summary>The plan for options on a model: first-last-avg becomes mean pooling of layers 1 and N, averaged.</summary>
    /// <exception cref="ArgumentException">The options are invalid, or ask for per-token vectors, which have no known size.</exception>
    internal static PoolingPlan For(BertModel model, EmbeddingOptions options) => For(model.LayerCount, options);

    /// <inheritdoc cref="For(BertModel, EmbeddingOptions)"/>
    internal static PoolingPlan For(int layerCount, EmbeddingOptions options)
    {
        CheckPooled(options);
        if (options.Pooling == Pooling.FirstLastAverage)
        {
            options.Validate(2);
            return new PoolingPlan([1, layerCount], Pooling.Mean, LayerCombination.Mean, null, options.Normalize, options.Precision);
        }

        var layers = options.Layers.Resolve(layerCount);
        options.Validate(layers.Count);
        return new PoolingPlan(layers, options.Pooling, options.Combine, options.LayerWeights, options.Normalize, options.Precision);
    }

    /// <summary>Refuses per-token output, which has no known size.</summary>
    internal static void CheckPooled(EmbeddingOptions options) =>
        PerTokenOutput.Refuse(options.Pooling, $"{nameof(EmbeddingOptions.Pooling)}.None", "a known-size column or one embedding per text",
            "use BertModel.Embed for per-token vectors, or choose a pooling", nameof(options));

    /// <summary>The length of each output vector.</summary>
    internal int Dimension(int hiddenSize) => Combine == LayerCombination.Concat ? Layers.Count * hiddenSize : hiddenSize;

    /// <summary>How many output vectors: one per layer when separate, else one.</summary>
    internal int OutputCount => Combine == LayerCombination.Separate ? Layers.Count : 1;
}
