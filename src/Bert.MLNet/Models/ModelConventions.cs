using System.Text.Json;

namespace Bert.MLNet;

/// <summary>
/// How a model's own users embed with it: its pooling, whether vectors are scaled to unit length, its maximum length
/// and the prompt its queries carry. Read from sentence-transformers' settings in the model folder
/// (<c>modules.json</c>, the pooling module's <c>config.json</c>, <c>sentence_bert_config.json</c>,
/// <c>config_sentence_transformers.json</c>), so any sentence-transformers folder brings its conventions; a folder
/// without them gets Bert.MLNet's defaults (the last layer, mean-pooled, not normalized).
/// </summary>
/// <remarks>
/// The conventions apply where no options are given (<see cref="BertModel.Embed"/> with null options,
/// <c>ApplyBertEmbedding</c> without options, <see cref="BertEmbeddingGenerator"/>, the CLI without <c>--pooling</c> or
/// <c>--normalize</c>); start from <see cref="ToOptions"/> to override one of them. <see cref="MaxLength"/> always
/// applies when <see cref="EmbeddingOptions.MaxLength"/> is null. The featurization sweep still tries every layer and
/// pooling.
/// </remarks>
/// <param name="Pooling">How the last layer's token vectors become one vector.</param>
/// <param name="Normalize">Whether embeddings are scaled to unit length.</param>
/// <param name="MaxLength">The longest encoding the model was trained to embed (sentence-transformers' <c>max_seq_length</c>), or null.</param>
/// <param name="QueryPrefix">Text put before each search query (not before the documents searched), or null.</param>
public sealed record ModelConventions(Pooling Pooling, bool Normalize, int? MaxLength, string? QueryPrefix)
{
    /// <summary>Bert.MLNet's own defaults: the last layer, mean-pooled, not normalized, no prefix.</summary>
    public static ModelConventions Default { get; } = new(Pooling.Mean, false, null, null);

    /// <summary>Options that embed as the model's users do: the last layer, this pooling and normalization.</summary>
    public EmbeddingOptions ToOptions() => new() { Layers = LayerSelection.Last, Pooling = Pooling, Normalize = Normalize };

    /// <summary>A query as the model expects it: <see cref="QueryPrefix"/> then the text.</summary>
    public string Query(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return QueryPrefix is null ? text : QueryPrefix + text;
    }

    /// <summary>Reads the conventions in a model folder.</summary>
    /// <exception cref="InvalidDataException">A settings file is malformed or names a pooling Bert.MLNet lacks (the message names the file).</exception>
    public static ModelConventions Read(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var modulesPath = Path.Combine(folder, "modules.json");
        if (!File.Exists(modulesPath))
        {
            return Default;
        }

        var pooling = Pooling.Mean;
        var normalize = false;
        using (var modules = Parse(modulesPath))
        {
            if (modules.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(modulesPath, "expected a JSON array of modules");
            }

            foreach (var module in modules.RootElement.EnumerateArray())
            {
                var type = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                    ? t.GetString()! : throw Invalid(modulesPath, "every module needs a \"type\" string");
                if (type.EndsWith(".Normalize", StringComparison.Ordinal))
                {
                    normalize = true;
                }
                else if (type.EndsWith(".Pooling", StringComparison.Ordinal))
                {
                    var relative = module.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "1_Pooling";
                    pooling = ReadPooling(Path.Combine(folder, relative, "config.json"));
                }
            }
        }

        int? maxLength = null;
        var bertConfig = Path.Combine(folder, "sentence_bert_config.json");
        if (File.Exists(bertConfig))
        {
            using var document = Parse(bertConfig);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("max_seq_length", out var m))
            {
                maxLength = m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out var length) && length >= 3 ? length : throw Invalid(bertConfig, $"max_seq_length is {m}; expected a whole number of at least 3");
            }
        }

        string? queryPrefix = null;
        var prompts = Path.Combine(folder, "config_sentence_transformers.json");
        if (File.Exists(prompts))
        {
            using var document = Parse(prompts);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("prompts", out var all)
                && all.ValueKind == JsonValueKind.Object && all.TryGetProperty("query", out var query))
            {
                queryPrefix = query.ValueKind == JsonValueKind.String ? query.GetString() : throw Invalid(prompts, "prompts.query must be a string");
            }
        }

        return new ModelConventions(pooling, normalize, maxLength, string.IsNullOrEmpty(queryPrefix) ? null : queryPrefix);
    }

    private static Pooling ReadPooling(string path)
    {
        if (!File.Exists(path))
        {
            throw BertErrors.Missing($"{path}: the pooling settings modules.json names are missing.", path);
        }

        using var document = Parse(path);
        (string Key, Pooling Pooling)[] modes =
        [
            ("pooling_mode_cls_token", Pooling.Cls), ("pooling_mode_mean_tokens", Pooling.Mean),
            ("pooling_mode_max_tokens", Pooling.Max), ("pooling_mode_mean_sqrt_len_tokens", Pooling.MeanSqrtLen),
        ];
        var root = document.RootElement;
        var chosen = modes.Where(m => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(m.Key, out var v) && v.ValueKind == JsonValueKind.True).ToArray();
        return chosen.Length == 1 ? chosen[0].Pooling : throw Invalid(path,
            $"expected exactly one of {string.Join(", ", modes.Select(m => m.Key))} to be true, found {chosen.Length}");
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"not valid JSON ({e.Message})");
        }
    }

    private static InvalidDataException Invalid(string path, string problem) => new($"{path}: {problem}.");
}
