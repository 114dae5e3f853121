using System.Diagnostics;
using System.Security.Cryptography;
using Bert.MLNet.Cli.Commands;

namespace Bert.MLNet.Cli.Tests;

/// <summary>The model cache seen from real <c>bert-mlnet</c> processes, with a cache folder of their own.</summary>
public sealed class ModelCacheProcessTests : IDisposable
{
    private readonly string cache = Directory.CreateTempSubdirectory("bert-mlnet-cache-").FullName;

    public void Dispose() => Directory.Delete(cache, recursive: true);

    [Fact]
    public async Task TwoProcessesMaterializingOneModelAtOnceBothGetItWhole()
    {
        var first = Start("inspect", "--model", "all-MiniLM-L6-v2");
        var second = Start("inspect", "--model", "all-MiniLM-L6-v2");
        var results = await Task.WhenAll(first, second);
        foreach (var (exit, stdout, stderr) in results)
        {
            Assert.True(exit == 0, stderr);
            Assert.Contains("6 encoder layers, hidden size 384", stdout, StringComparison.Ordinal);
        }

        var known = PretrainedModels.Find("all-MiniLM-L6-v2")!;
        var folder = Path.Combine(cache, "models", "all-MiniLM-L6-v2", known.Fingerprint[..16]);
        using (var onnx = File.OpenRead(Path.Combine(folder, "model.onnx")))
        {
            Assert.Equal(known.Fingerprint, Convert.ToHexStringLower(SHA256.HashData(onnx)));
        }

        Assert.Empty(Directory.EnumerateFiles(cache, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ModelsListsTheNamesSizesLicensesAndTheCacheFolder()
    {
        var (exit, stdout, stderr) = await Start("models");
        Assert.True(exit == 0, stderr);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToArray();
        Assert.Equal(["name", "layers", "hidden", "download", "license", "source", "cached", "folder"], rows[0]);
        Assert.Equal(["all-MiniLM-L6-v2 (default)", "snowflake-arctic-embed-xs", "bert-l4-h128-uncased"], rows[1..].Select(r => r[0]));
        Assert.Equal(["6", "6", "4"], rows[1..].Select(r => r[1]));
        Assert.Equal(["384", "384", "128"], rows[1..].Select(r => r[2]));
        Assert.Equal(["83.4 MB", "83.4 MB", "in Bert.MLNet"], rows[1..].Select(r => r[3]));
        Assert.All(rows[1..], r => Assert.Equal("Apache-2.0", r[4]));
        Assert.All(rows[1..], r => Assert.Equal("no", r[6]));
        Assert.All(rows[1..], r => Assert.StartsWith(Path.Combine(cache, "models", r[0].Split(' ')[0]), r[7], StringComparison.Ordinal));

        Assert.Equal(0, (await Start("inspect", "--model", "bert-l4-h128-uncased")).Exit);
        Assert.Equal("yes", (await Start("models")).Stdout.Split('\n')[3].Split('\t')[6]);
    }

    [Fact]
    public async Task AnUnknownModelNameIsOneLineListingTheKnownOnes()
    {
        var (exit, _, stderr) = await Start("inspect", "--model", "bert-base-uncased");
        Assert.Equal(1, exit);
        Assert.Equal(
            "error: Model 'bert-base-uncased' does not exist: it is not a model folder, an .onnx file or a known model name; known names: all-MiniLM-L6-v2, snowflake-arctic-embed-xs, bert-l4-h128-uncased.",
            stderr.Trim());
    }

    private async Task<(int Exit, string Stdout, string Stderr)> Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cache };
        start.ArgumentList.Add(typeof(ModelsCommand).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[PretrainedModels.CacheVariable] = cache;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
