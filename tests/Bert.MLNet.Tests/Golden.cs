using System.Text.Json;

namespace Bert.MLNet.Tests;

/// <summary>A test model's golden file (tools/testmodels/make_test_models.py): PyTorch's hidden states and poolings.</summary>
internal sealed class Golden
{
    private Golden(string folder)
    {
        Folder = folder;
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "golden.json")));
        var root = document.RootElement;
        Sentences = [.. root.GetProperty("sentences").EnumerateArray().Select(s => s.GetString()!)];
        Mask = [.. root.GetProperty("attention_mask").EnumerateArray().Select(r => r.EnumerateArray().Sum(v => v.GetInt32()))];
        InputIds = [.. root.GetProperty("input_ids").EnumerateArray().Select((r, i) => r.EnumerateArray().Take(Mask[i]).Select(v => v.GetInt32()).ToArray())];
        HiddenStates = Floats4(root.GetProperty("hidden_states"));
        Pooled = root.GetProperty("pooled").EnumerateObject().ToDictionary(p => p.Name, p => Floats3(p.Value));
    }

    internal string Folder { get; }

    internal string[] Sentences { get; }

    /// <summary>Real tokens per sentence.</summary>
    internal int[] Mask { get; }

    internal int[][] InputIds { get; }

    /// <summary>[layer][row][token][hidden].</summary>
    internal float[][][][] HiddenStates { get; }

    /// <summary>pooling -> [layer][row][hidden].</summary>
    internal Dictionary<string, float[][][]> Pooled { get; }

    internal int LayerCount => HiddenStates.Length - 1;

    internal static Golden For(string model) => new(Path.Combine(AppContext.BaseDirectory, "Models", model));

    /// <summary>Real sentences (nlp-corpus) with Hugging Face's uncased ids for each: the tokenizer goldens, after their edge cases.</summary>
    internal static (string Text, int[] Ids)[] UncasedSentences(int count) =>
        [.. File.ReadLines(Path.Combine(Testing.RepositoryRoot.Path, "tests", "Bert.MLNet.Tokenizers.Tests", "Goldens", "uncased.jsonl"))
            .Skip(86).Take(count)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(row => (row.GetProperty("text").GetString()!, row.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()))];

    private static float[][][][] Floats4(JsonElement e) => [.. e.EnumerateArray().Select(Floats3)];

    private static float[][][] Floats3(JsonElement e) => [.. e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray())];
}
