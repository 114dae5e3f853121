namespace Bert.MLNet.OnnxRuntime;

/// <summary>How ONNX Runtime runs a session. The defaults suit a CPU server: all cores inside each operator, full graph optimization.</summary>
public sealed record SessionOptions
{
    /// <summary>Threads inside one operator (matrix products); 0, the default, lets ONNX Runtime use one per physical core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators, used only in <see cref="ExecutionMode.Parallel"/>; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>How much ONNX Runtime rewrites the graph before running it (fusing attention and normalization, for example). Default <see cref="GraphOptimizationLevel.All"/>.</summary>
    public GraphOptimizationLevel GraphOptimization { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Run operators one after another (default) or independent ones at once.</summary>
    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    /// <summary>Where the model runs. Default <see cref="ExecutionProvider.Cpu"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>The GPU to use with <see cref="ExecutionProvider.Cuda"/>. Default 0.</summary>
    public int CudaDeviceId { get; init; }

    internal void Validate()
    {
        if (IntraOpThreads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, $"{nameof(IntraOpThreads)} is {IntraOpThreads}; expected 0 (automatic) or more.");
        }

        if (InterOpThreads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(InterOpThreads), InterOpThreads, $"{nameof(InterOpThreads)} is {InterOpThreads}; expected 0 (automatic) or more.");
        }

        if (CudaDeviceId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CudaDeviceId), CudaDeviceId, $"{nameof(CudaDeviceId)} is {CudaDeviceId}; expected 0 or more.");
        }
    }
}

/// <summary>ONNX Runtime's graph optimization levels.</summary>
public enum GraphOptimizationLevel
{
    /// <summary>Run the graph as written.</summary>
    None = 0,

    /// <summary>Constant folding and redundant-node removal.</summary>
    Basic = 1,

    /// <summary>Also fusions of known patterns (layer normalization, GELU, attention).</summary>
    Extended = 2,

    /// <summary>Everything, including memory-layout changes.</summary>
    All = 99,
}

/// <summary>Whether operators run one at a time or concurrently.</summary>
public enum ExecutionMode
{
    /// <summary>One operator at a time (each may use many threads).</summary>
    Sequential = 0,

    /// <summary>Independent operators at the same time.</summary>
    Parallel = 1,
}

/// <summary>The hardware a session runs on.</summary>
public enum ExecutionProvider
{
    /// <summary>The CPU; always available.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through CUDA; needs an ONNX Runtime build with the CUDA provider and its libraries.</summary>
    Cuda,
}
