using System.Diagnostics;
using System.Security.Cryptography;

namespace Bert.MLNet.Cli.Tests;

/// <summary>
/// SIGINT and SIGTERM sent to real <c>bert-mlnet</c> processes at several moments, each with a temp folder of its own:
/// the exit code is 130 or 143, a previous good output is byte for byte as it was, nothing is left beside it and
/// nothing in the temp folder (ONNX Runtime's telemetry file included).
/// </summary>
public sealed class SignalTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-signal-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("INT", 130, 2500)]
    [InlineData("TERM", 143, 2500)]
    [InlineData("TERM", 143, 400)]
    public async Task AnInterruptedEmbedLeavesThePreviousOutputAndNothingElse(string signal, int exitCode, int afterMs)
    {
        var input = Path.Combine(folder, "texts.txt");
        var sentences = File.ReadAllLines(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "datasets", "sample-sentences.txt"));
        File.WriteAllLines(input, Enumerable.Range(0, 20_000).Select(i => sentences[i % sentences.Length] + " " + i));
        var output = Path.Combine(folder, "vectors.npy");
        File.WriteAllText(output, "a previous good output");
        var before = Hash(output);

        var (exit, stderr) = await Interrupt(signal, afterMs, "embed", "--model", "bert-l4-h128-uncased", "--input", input, "--output", output);

        Assert.True(exit == exitCode, $"exit code {exit}, expected {exitCode}: {stderr}");
        Assert.Equal(before, Hash(output));
        Assert.Equal(["texts.txt", "tmp", "vectors.npy"], Entries(folder));
        Assert.Empty(Entries(Path.Combine(folder, "tmp")));
        if (afterMs > 1000)
        {
            Assert.StartsWith($"cancelled (SIG{signal})", stderr.Trim().Split('\n')[^1], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnInterruptedTrainLeavesThePreviousModelFolderAndNoStaging()
    {
        var dataset = Path.Combine(folder, "train.tsv");
        File.Copy(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "datasets", "wordnet-topics", "train.tsv"), dataset);
        var output = Directory.CreateDirectory(Path.Combine(folder, "out")).FullName;
        File.WriteAllText(Path.Combine(output, "model.zip"), "a previous good model");
        File.WriteAllText(Path.Combine(output, "notes.txt"), "the user's own file");
        var before = Entries(output).Select(n => (n, Hash(Path.Combine(output, n)))).ToArray();

        var (exit, stderr) = await Interrupt("TERM", 6000, "train", "--dataset", dataset, "--label-col", "Label", "--text-col", "Text",
            "--model", "bert-l4-h128-uncased", "--folds", "2", "--output", output);

        Assert.True(exit == 143, $"exit code {exit}, expected 143: {stderr}");
        Assert.Equal(before, Entries(output).Select(n => (n, Hash(Path.Combine(output, n)))));
        Assert.Equal(["out", "tmp", "train.tsv"], Entries(folder));
        Assert.Empty(Entries(Path.Combine(folder, "tmp")));
    }

    // Whether this process ignores SIGINT (bit 2 of the SigIgn mask in /proc/self/status).
    private static bool InterruptIgnored() =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
        && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;

    // Runs the tool with a temp folder of its own, sends the signal after the delay, and waits for it to end.
    private async Task<(int Exit, string Stderr)> Interrupt(string signal, int afterMs, params string[] args)
    {
        var temp = Directory.CreateDirectory(Path.Combine(folder, "tmp")).FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        if (InterruptIgnored())
        {
            // Started in the background by a shell (`dotnet test &`), this process ignores SIGINT and its children
            // inherit that, as Unix means them to: the tool keeps it ignored. Give the child SIGINT's default back.
            start.FileName = "/usr/bin/python3";
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp('dotnet', ['dotnet'] + sys.argv[1:])");
        }

        start.ArgumentList.Add(typeof(Commands.ModelsCommand).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TMPDIR"] = temp;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await Task.Delay(afterMs);
        Assert.False(process.HasExited, "the process ended before the signal");
        Assert.Equal(0, Signals.Send(process.Id, signal == "INT" ? 2 : 15));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        return (process.ExitCode, await stderr);
    }

    private static string[] Entries(string path) =>
        [.. Directory.EnumerateFileSystemEntries(path).Select(e => Path.GetFileName(e)!).Order(StringComparer.Ordinal)];

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
