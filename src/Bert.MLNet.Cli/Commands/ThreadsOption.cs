using System.CommandLine;

namespace Bert.MLNet.Cli.Commands;

/// <summary>The <c>--threads</c> option: ONNX Runtime's threads, bounded as <see cref="RuntimeOptions.MaxThreads"/> bounds them.</summary>
internal static class ThreadsOption
{
    internal static Option<int> Create() => new("--threads")
    {
        Description = $"ONNX Runtime threads: 0 for one per core, at most {RuntimeOptions.MaxThreads} (four per core).",
        DefaultValueFactory = _ => 0,
    };

    /// <exception cref="ArgumentException">The count is out of range (the message names the option).</exception>
    internal static int Check(int threads) => threads >= 0 && threads <= RuntimeOptions.MaxThreads
        ? threads
        : throw new ArgumentException($"--threads is {threads}; expected 0 (one per core) to {RuntimeOptions.MaxThreads} (four per core on this machine).");
}
