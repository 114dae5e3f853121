using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Bert.MLNet.Featurization;

/// <summary>
/// Pooled hidden states already computed, keyed by the model's fingerprint (a SHA-256 of its ONNX file), the tokenizer
/// (the model's own, or a tokenizer instance given in the options), the encoding options, precision and pooling, and the
/// text's SHA-256; every candidate and fold of a sweep reads them instead of running the model again. The states are
/// stored as the model gives them, not normalized: a candidate normalizes its own combination of layers, as its refitted
/// pipeline does. Not thread-safe: one sweep at a time.
/// </summary>
internal sealed class EmbeddingCache
{
    private readonly Dictionary<string, Dictionary<string, Entry>> store = new(StringComparer.Ordinal);

    // A tokenizer given in the options is known by its instance: two tokenizers of one type may split texts differently.
    private readonly ConditionalWeakTable<Tokenizer, string> tokenizerIds = [];

    /// <summary>
    /// Every hidden state of each text ([pooling][row] = layers × hidden values, not normalized whatever
    /// <see cref="EmbeddingOptions.Normalize"/> says), running the model once for the texts no earlier call saw.
    /// <paramref name="embedded"/> is how many texts it ran; <paramref name="truncated"/> how many of the rows were cut to
    /// the maximum length (kept with the states, so a cached text is not tokenized again to tell).
    /// </summary>
    internal float[][][] Get(BertModel model, EmbeddingOptions options, IReadOnlyList<Pooling> poolings, IReadOnlyList<string> texts,
        out int embedded, out int truncated, CancellationToken cancellationToken)
    {
        options = options with { Normalize = false };
        var keys = texts.Select(Hash).ToArray();
        var tables = poolings.Select(p => Table(model, options, p)).ToArray();
        var missing = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var row = 0; row < texts.Count; row++)
        {
            if (tables.Any(t => !t.ContainsKey(keys[row])))
            {
                missing.TryAdd(keys[row], texts[row]);
            }
        }

        if (missing.Count > 0)
        {
            var computed = model.EmbedEveryLayer([.. missing.Values], options, poolings, cancellationToken: cancellationToken);
            var order = missing.Keys.ToArray();
            for (var p = 0; p < poolings.Count; p++)
            {
                for (var i = 0; i < order.Length; i++)
                {
                    tables[p][order[i]] = new Entry(computed[p][i].ToArray(), computed[p].Truncated[i]);
                }
            }
        }

        embedded = missing.Count;
        truncated = keys.Count(k => tables[0][k].Truncated);
        return [.. tables.Select(table => keys.Select(k => table[k].States).ToArray())];
    }

    private Dictionary<string, Entry> Table(BertModel model, EmbeddingOptions options, Pooling pooling)
    {
        var tokenizer = options.Tokenizer is { } given ? tokenizerIds.GetValue(given, _ => Guid.NewGuid().ToString("N")) : "model";
        var key = $"{model.Fingerprint}|{tokenizer}|{model.ResolveMaxLength(options)}|{options.LongText}|{options.Stride}|{options.Precision}|{pooling}";
        if (!store.TryGetValue(key, out var table))
        {
            table = new Dictionary<string, Entry>(StringComparer.Ordinal);
            store[key] = table;
        }

        return table;
    }

    // One text's pooled states, and whether its encoding was cut.
    private readonly record struct Entry(float[] States, bool Truncated);

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
