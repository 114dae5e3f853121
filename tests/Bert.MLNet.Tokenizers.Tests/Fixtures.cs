using System.Text.Json;

namespace Bert.MLNet.Tokenizers.Tests;

/// <summary>Where the test data lives: tokenizer folders the build derives into the cache, and golden files.</summary>
internal static class Fixtures
{
    internal static string Cache =>
        Environment.GetEnvironmentVariable("BERT_MLNET_CACHE") is { Length: > 0 } cache ? cache : Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, ".cache");

    /// <summary>One of the folders tools/setup/tokenizers.sh writes: uncased-vocab, uncased-json, cased-json.</summary>
    internal static string TokenizerFolder(string name)
    {
        var folder = Path.Combine(Cache, "tokenizers", name);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException(
                $"{folder} is missing; the test project's build runs tools/setup/tokenizers.sh to make it (needs node and npm).");
        }

        return folder;
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
