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

    /// <summary>
    /// The long texts: the first Brown-corpus chunks of datasets/brown-genres' training file (about 100 words, 130 tokens
    /// each), built by datasets/make_datasets.py on first use.
    /// </summary>
    internal static string[] BrownChunks(int count)
    {
        var file = Path.Combine(RepositoryRoot, ".cache", "datasets", "brown-genres", "train.tsv");
        if (!File.Exists(file))
        {
            using var process = Process.Start("/usr/bin/python3", [Path.Combine(RepositoryRoot, "datasets", "make_datasets.py"), "brown-genres"]);
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"datasets/make_datasets.py brown-genres failed with exit code {process.ExitCode}.");
            }
        }

        return [.. File.ReadLines(file).Skip(1).Take(count).Select(line => line[(line.IndexOf('\t') + 1)..])];
    }

    /// <summary>The model the embedding benchmarks and their peers run: BERT_MLNET_BENCH_MODEL, or the default (all-MiniLM-L6-v2).</summary>
    internal static string Model() =>
        Environment.GetEnvironmentVariable("BERT_MLNET_BENCH_MODEL") is { Length: > 0 } model ? model : PretrainedModels.DefaultName;

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
