using System.Text.Json;
using Bert.MLNet.Onnx;
using Bert.MLNet.Tokenizers;

namespace Bert.MLNet;

// Reading a model: its files, checked against each other (config.json, the graph, the vocabulary), before any session starts.
public sealed partial class BertModel
{
    /// <summary>The layer count, hidden size and conventions of the model at a path, read from its files without starting ONNX Runtime.</summary>
    internal static (int LayerCount, int HiddenSize, ModelConventions Conventions) ReadShape(string path)
    {
        var d = Describe(path, CancellationToken.None);
        return (d.Layout.LayerCount, (int)d.Layout.HiddenSize, d.Conventions);
    }

    private sealed record Description(ModelFiles Files, BertWordPieceTokenizer Tokenizer, OnnxModel Graph, HiddenStateLayout Layout, ModelInputs Inputs,
        long Rows, int MaxPositions, ModelConventions Conventions);

    // Everything a model is made of, checked, except the ONNX Runtime session.
    private static Description Describe(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var files = ModelFiles.Locate(path, cancellationToken);
        var tokenizer = BertWordPieceTokenizer.Load(files.TokenizerPath);
        var conventions = ModelConventions.Read(files.TokenizerPath);
        cancellationToken.ThrowIfCancellationRequested();
        var config = ReadConfig(files.ConfigPath);
        var graph = OnnxModel.Load(files.OnnxPath);
        var inputs = ModelInputs.Detect(graph);
        var layout = HiddenStateFinder.Find(graph);
        var embeddings = WordEmbeddingShape(graph, inputs);

        if (config.Layers is { } layers && layers != layout.LayerCount)
        {
            throw BertErrors.File(files.ConfigPath!, $"num_hidden_layers is {layers} but the graph {files.OnnxPath} has {layout.LayerCount} encoder layers.");
        }

        var hiddenSize = layout.HiddenSize > 0 ? layout.HiddenSize : embeddings?[1] ?? config.HiddenSize ?? 0;
        if (config.HiddenSize is { } configHidden && hiddenSize > 0 && configHidden != hiddenSize)
        {
            throw BertErrors.File(files.ConfigPath!, $"hidden_size is {configHidden} but the graph {files.OnnxPath} has hidden states of {hiddenSize}.");
        }

        if (config.VocabularySize is { } configRows && embeddings is [var graphRows, _] && configRows != graphRows)
        {
            throw BertErrors.File(files.ConfigPath!, $"vocab_size is {configRows} but the graph {files.OnnxPath}'s word-embedding matrix has {graphRows} rows.");
        }

        if (hiddenSize <= 0)
        {
            throw BertErrors.File(files.OnnxPath, "cannot tell the hidden size (no normalization scale or word-embedding matrix found, and no config.json).");
        }

        var rows = embeddings?[0] ?? config.VocabularySize ?? tokenizer.VocabularySize;
        if (rows != tokenizer.VocabularySize)
        {
            throw BertErrors.Damaged(
                $"The vocabulary ({files.TokenizerPath}) has {tokenizer.VocabularySize} tokens but the model's word-embedding matrix ({files.OnnxPath}) has {rows} rows; " +
                "the tokenizer and the model do not belong together.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var graphPositions = PositionRows(graph, inputs, embeddings);
        if (config.MaxPositions is { } configPositions && graphPositions is { } positions && configPositions != positions)
        {
            throw BertErrors.File(files.ConfigPath!, $"max_position_embeddings is {configPositions} but the graph {files.OnnxPath}'s position table has {positions} rows.");
        }

        var maxPositions = config.MaxPositions ?? graphPositions ?? tokenizer.Options.ModelMaxLength;
        return new Description(files, tokenizer, graph, layout with { HiddenSize = hiddenSize }, inputs, rows, maxPositions, conventions);
    }

    private static (int? Layers, long? HiddenSize, long? VocabularySize, int? MaxPositions) ReadConfig(string? path)
    {
        if (path is null)
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            return (Int(root, "num_hidden_layers"), Int(root, "hidden_size"), Int(root, "vocab_size"), Int(root, "max_position_embeddings"));
        }
        catch (JsonException e)
        {
            throw BertErrors.File(path, $"not valid JSON ({e.Message}).", e);
        }

        static int? Int(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : null;
    }

    // The matrix a Gather looks the input ids up in: [vocabulary, hidden].
    private static long[]? WordEmbeddingShape(OnnxModel graph, ModelInputs inputs) =>
        GatherTables(graph, inputs.InputIds).FirstOrDefault();

    private static int? PositionRows(OnnxModel graph, ModelInputs inputs, long[]? words)
    {
        var typeTables = inputs.TokenTypeIds is { } types ? GatherTables(graph, types).ToHashSet() : [];
        var wordTables = GatherTables(graph, inputs.InputIds).ToHashSet();
        var candidates = graph.Graph.Node.Where(n => n.OpType == "Gather")
            .Select(n => graph.InitializerShape(n.Input[0]))
            .Where(s => s is [_, var h] && (words is null || h == words[1]))
            .Select(s => s!.ToArray())
            .Where(s => !wordTables.Any(w => w.SequenceEqual(s)) && !typeTables.Any(t => t.SequenceEqual(s)) && s[0] > 2);
        return candidates.Select(s => (int?)s[0]).FirstOrDefault();
    }

    private static IEnumerable<long[]> GatherTables(OnnxModel graph, string input)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { input };
        foreach (var node in graph.Graph.Node)
        {
            if (node.OpType is "Cast" or "Identity" or "Unsqueeze" && names.Contains(node.Input[0]))
            {
                names.Add(node.Output[0]);
            }

            if (node.OpType == "Gather" && node.Input.Count > 1 && names.Contains(node.Input[1])
                && graph.InitializerShape(node.Input[0]) is [_, _] shape)
            {
                yield return [.. shape];
            }

            if (node.OpType == "EmbedLayerNormalization" && node.Input.Count > 2 && graph.InitializerShape(node.Input[2]) is [_, _] words
                && names.Contains(node.Input[0]))
            {
                yield return [.. words];
            }
        }
    }
}
