using System.Numerics.Tensors;

namespace Bert.MLNet.Embeddings;

/// <summary>Turns the pooled layers of each segment (<see cref="GraphRunner.RunAll"/>) into an <see cref="EmbeddingResult"/> per text.</summary>
internal static class EmbeddingResults
{
    /// <summary>
    /// One vector per text from each segment's pooled layers: windows merged (their token-weighted mean, or element-wise
    /// maximum for max pooling), layers combined, normalized when asked.
    /// </summary>
    internal static EmbeddingResult Pooled(int count, List<Segment> segments, float[][] perLayer, int layers, int width,
        LayerCombination combine, Pooling pooling, EmbeddingOptions options, int[] tokenCounts, bool[] truncated, int[] windowCounts)
    {
        // Merge windows per text, per layer: token-weighted mean, or element-wise maximum for max pooling.
        var merged = new float[count][];
        var weights = new float[count];
        for (var s = 0; s < segments.Count; s++)
        {
            var row = segments[s].Row;
            var vector = perLayer[s];
            if (merged[row] is not { } target)
            {
                merged[row] = pooling == Pooling.Max ? vector : Scaled(vector, segments[s].Ids.Length);
                weights[row] = segments[s].Ids.Length;
            }
            else if (pooling == Pooling.Max)
            {
                TensorPrimitives.Max(target, vector, target);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(vector, segments[s].Ids.Length, target, target);
                weights[row] += segments[s].Ids.Length;
            }
        }

        var dimension = combine is LayerCombination.Concat or LayerCombination.Separate ? layers * width : width;
        var data = new float[count * dimension];
        for (var row = 0; row < count; row++)
        {
            if (pooling != Pooling.Max)
            {
                TensorPrimitives.Divide(merged[row], weights[row], merged[row]);
            }

            var output = data.AsSpan(row * dimension, dimension);
            Pooler.Combine(merged[row], layers, width, combine, options.LayerWeights, output);
            if (options.Normalize)
            {
                var blocks = combine == LayerCombination.Separate ? layers : 1;
                for (var b = 0; b < blocks; b++)
                {
                    Pooler.Normalize(output.Slice(b * (dimension / blocks), dimension / blocks));
                }
            }
        }

        int[] shape = combine == LayerCombination.Separate ? [layers, width] : [dimension];
        return new EmbeddingResult(data, count, shape, null, tokenCounts, truncated, windowCounts);

        static float[] Scaled(float[] vector, float weight)
        {
            TensorPrimitives.Multiply(vector, weight, vector);
            return vector;
        }
    }

    /// <summary>One vector per token of each text, its layers combined, normalized when asked.</summary>
    internal static EmbeddingResult PerToken(int count, List<Segment> segments, float[][] perLayer, int layers, int width,
        LayerCombination combine, EmbeddingOptions options, int[] tokenCounts, bool[] truncated, int[] windowCounts)
    {
        var dimension = combine is LayerCombination.Concat or LayerCombination.Separate ? layers * width : width;
        var vectors = new float[count][];
        var gathered = new float[layers * width];
        for (var s = 0; s < segments.Count; s++)
        {
            var tokens = segments[s].Ids.Length;
            var states = perLayer[s];
            var output = new float[tokens * dimension];
            for (var t = 0; t < tokens; t++)
            {
                for (var l = 0; l < layers; l++)
                {
                    states.AsSpan((l * tokens + t) * width, width).CopyTo(gathered.AsSpan(l * width));
                }

                var target = output.AsSpan(t * dimension, dimension);
                Pooler.Combine(gathered, layers, width, combine, options.LayerWeights, target);
                if (options.Normalize)
                {
                    Pooler.Normalize(target);
                }
            }

            vectors[segments[s].Row] = output;
        }

        return new EmbeddingResult([], count, [-1, dimension], vectors, tokenCounts, truncated, windowCounts);
    }
}
