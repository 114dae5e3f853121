using System.Security.Cryptography;
using System.Text.Json;

namespace Bert.MLNet.Tests;

/// <summary>
/// The bundled model (models/bert-l4-h128-uncased): its ONNX graph gives every hidden state of the PyTorch
/// model it was exported from (tests/models/bert-l4-h128-uncased.golden.json, tools/pretrain/export.py), its
/// config.json agrees with the graph, and its vocabulary is the standard uncased BERT vocabulary.
/// </summary>
public sealed class BundledModelTests
{
    private static readonly string Root = Bert.MLNet.Testing.RepositoryRoot.Path;
    private static readonly string Folder = Path.Combine(Root, "models", "bert-l4-h128-uncased");

    [Fact]
    public void EveryHiddenStateMatchesPyTorch()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root, "tests", "models", "bert-l4-h128-uncased.golden.json")));
        var golden = document.RootElement;
        var sentences = golden.GetProperty("sentences").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var masks = golden.GetProperty("attention_mask").EnumerateArray().Select(r => r.EnumerateArray().Sum(v => v.GetInt32())).ToArray();
        var states = golden.GetProperty("hidden_states");
        using var model = BertModel.Load(Folder);
        Assert.Equal(states.GetArrayLength() - 1, model.LayerCount);
        for (var layer = 0; layer <= model.LayerCount; layer++)
        {
            var result = model.Embed(sentences, new EmbeddingOptions { Layers = LayerSelection.Parse(layer.ToString(System.Globalization.CultureInfo.InvariantCulture)), Pooling = Pooling.None });
            for (var row = 0; row < sentences.Length; row++)
            {
                var ids = golden.GetProperty("input_ids")[row].EnumerateArray().Take(masks[row]).Select(v => v.GetInt32());
                Assert.Equal(ids, model.Tokenizer.Encode(sentences[row]).Ids);
                float[] expected = [.. states[layer][row].EnumerateArray().Take(masks[row]).SelectMany(t => t.EnumerateArray().Select(v => v.GetSingle()))];
                EmbeddingParityTests.AssertClose(expected, result[row], $"layer {layer} row {row}");
            }
        }
    }

    [Fact]
    public void ConfigMatchesTheGraph()
    {
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "config.json")));
        var root = config.RootElement;
        using var model = BertModel.Load(Folder);
        Assert.Equal("bert", root.GetProperty("model_type").GetString());
        Assert.Equal(root.GetProperty("num_hidden_layers").GetInt32(), model.LayerCount);
        Assert.Equal(root.GetProperty("hidden_size").GetInt32(), model.HiddenSize);
        Assert.Equal(root.GetProperty("vocab_size").GetInt32(), model.EmbeddingRows);
        Assert.Equal(root.GetProperty("max_position_embeddings").GetInt32(), model.MaxPositions);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], model.SessionInputs.Keys);
        Assert.Equal(["last_hidden_state", "pooler_output"], model.SessionOutputs.Keys.Where(n => !n.StartsWith("hidden_states.", StringComparison.Ordinal)));
    }

    [Fact]
    public void VocabularyIsTheStandardUncasedBertVocabulary()
    {
        var md5 = Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(Path.Combine(Folder, "vocab.txt"))));
        Assert.Equal("64800d5d8528ce344256daf115d4965e", md5);
    }
}
