using System.Security.Cryptography;
using System.Text;

namespace Bert.MLNet.Search;

/// <summary>
/// Pooled hidden states already computed, keyed by the model's fingerprint (a SHA-256 of its ONNX file), the encoding
/// options, precision and pooling, and the text's SHA-256; every candidate and fold of a search reads them instead of running the
/// model again. Not thread-safe: one search at a time.
/// </summary>
internal sealed class EmbeddingCache
{
    private readonly Dictionary<string, Dictionary<string, float[]>> store = new(StringComparer.Ordinal);

    /// <summary>
    /// Every hidden state of each text ([pooling][row] = layers × hidden values), running the model once for the texts
    /// no earlier call saw. <paramref name="embedded"/> is how many texts it ran.
    /// </summary>
    internal float[][][] Get(BertModel model, EmbeddingOptions options, IReadOnlyList<Pooling> poolings, IReadOnlyList<string> texts,
        out int embedded, CancellationToken cancellationToken)
    {
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
                    tables[p][order[i]] = computed[p][i].ToArray();
                }
            }
        }

        embedded = missing.Count;
        return [.. tables.Select(table => keys.Select(k => table[k]).ToArray())];
    }

    private Dictionary<string, float[]> Table(BertModel model, EmbeddingOptions options, Pooling pooling)
    {
        var key = $"{model.Fingerprint}|{options.Tokenizer?.GetType().FullName}|{model.ResolveMaxLength(options)}|{options.LongText}|{options.Stride}|{options.Precision}|{pooling}";
        if (!store.TryGetValue(key, out var table))
        {
            table = new Dictionary<string, float[]>(StringComparer.Ordinal);
            store[key] = table;
        }

        return table;
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
