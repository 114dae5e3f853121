using System.Numerics.Tensors;

namespace Bert.MLNet.Embeddings;

/// <summary>Mask-aware pooling of one encoding's token vectors: only its real tokens are read, never padding.</summary>
internal static class Pooler
{
    /// <summary>
    /// Pools <paramref name="tokens"/> (<c>count</c> vectors of <c>width</c> floats, token-major) into <paramref name="output"/>.
    /// </summary>
    internal static void Pool(ReadOnlySpan<float> tokens, int count, int width, Pooling pooling, Span<float> output)
    {
        switch (pooling)
        {
            case Pooling.Cls:
                tokens[..width].CopyTo(output);
                break;
            case Pooling.Max:
                tokens[..width].CopyTo(output);
                for (var t = 1; t < count; t++)
                {
                    TensorPrimitives.Max(output, tokens.Slice(t * width, width), output);
                }

                break;
            case Pooling.Mean or Pooling.FirstLastAverage or Pooling.MeanSqrtLen:
                tokens[..width].CopyTo(output);
                for (var t = 1; t < count; t++)
                {
                    TensorPrimitives.Add(output, tokens.Slice(t * width, width), output);
                }

                var divisor = pooling == Pooling.MeanSqrtLen ? MathF.Sqrt(count) : count;
                TensorPrimitives.Divide(output, divisor, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(pooling), pooling, "Per-token output is not pooled.");
        }
    }

    /// <summary>Scales a vector to unit length (a zero vector stays zero).</summary>
    internal static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>
    /// Combines per-layer vectors (<c>layers</c> blocks of <c>width</c>) into <paramref name="output"/>:
    /// concatenated or separate (copied as they are), their mean, or their weighted sum.
    /// </summary>
    internal static void Combine(ReadOnlySpan<float> perLayer, int layers, int width, LayerCombination combine,
        IReadOnlyList<float>? weights, Span<float> output)
    {
        switch (combine)
        {
            case LayerCombination.Concat or LayerCombination.Separate:
                perLayer[..(layers * width)].CopyTo(output);
                break;
            case LayerCombination.Mean:
                perLayer[..width].CopyTo(output);
                for (var l = 1; l < layers; l++)
                {
                    TensorPrimitives.Add(output, perLayer.Slice(l * width, width), output);
                }

                TensorPrimitives.Divide(output, layers, output);
                break;
            case LayerCombination.Weighted:
                output[..width].Clear();
                for (var l = 0; l < layers; l++)
                {
                    TensorPrimitives.MultiplyAdd(perLayer.Slice(l * width, width), weights![l], output[..width], output[..width]);
                }

                break;
        }
    }
}
