using System.Diagnostics;
using System.Text.Json;

namespace Bert.MLNet.Benchmarks;

/// <summary>The real text every benchmark and peer script runs on: sentences of npm nlp-corpus@4.4.0.</summary>
internal static class BenchmarkData
{
    internal static string RepositoryRoot => Bert.MLNet.Testing.RepositoryRoot.Path;

    /// <summary>All 100,000 sentences (100 files of 1,000), in file order.</summary>
    internal static string[] Sentences(int count)
    {
        var folder = Setup("fetch-npm.sh", "nlp-corpus@4.4.0");
        var sentences = new List<string>();
        for (var doc = 0; doc < 100 && sentences.Count < count; doc++)
        {
            var text = File.ReadAllText(Path.Combine(folder, "builds", $"doc-{doc}.json"));
            sentences.AddRange(JsonSerializer.Deserialize<string[]>(text)!);
        }

        return [.. sentences.Take(count)];
    }

    /// <summary>The model the embedding benchmarks and their peers run: BERT_MLNET_BENCH_MODEL, or the bundled model.</summary>
    internal static string Model() =>
        Environment.GetEnvironmentVariable("BERT_MLNET_BENCH_MODEL") is { Length: > 0 } model
            ? model
            : Path.Combine(RepositoryRoot, "models", "bert-l4-h128-uncased");

    /// <summary>The standard uncased BERT vocabulary: the bundled model's folder.</summary>
    internal static string UncasedTokenizer() => Path.Combine(RepositoryRoot, "models", "bert-l4-h128-uncased");

    private static string Setup(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot, "tools", "setup", script), .. args])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tools/setup/{script} failed with exit code {process.ExitCode}.");
        }

        return output.Split('\n')[^1];
    }
}
