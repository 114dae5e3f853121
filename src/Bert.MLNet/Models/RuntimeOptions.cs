using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet;

/// <summary>
/// How ONNX Runtime runs a model's session. The defaults suit a CPU server: ONNX Runtime's own thread
/// choice inside each operator and full graph optimization.
/// </summary>
public sealed record RuntimeOptions
{
    /// <summary>Threads inside one operator (matrix products); 0, the default, lets ONNX Runtime use one per physical core.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators, used only in <see cref="ExecutionMode.ORT_PARALLEL"/>; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>How much ONNX Runtime rewrites the graph before running it (fusing attention and normalization, for example). Default: all.</summary>
    public GraphOptimizationLevel GraphOptimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Run operators one after another (default) or independent ones at once.</summary>
    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.ORT_SEQUENTIAL;

    /// <summary>
    /// The NVIDIA GPU to run on through CUDA, or null (the default) for the CPU. Needs ONNX Runtime's CUDA build
    /// (the package Microsoft.ML.OnnxRuntime.Gpu.Linux in place of Microsoft.ML.OnnxRuntime) and CUDA's libraries.
    /// </summary>
    public int? CudaDeviceId { get; init; }

    /// <summary>Creates ONNX Runtime's session options from these settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A thread count or device id is negative.</exception>
    /// <exception cref="NotSupportedException">CUDA was asked for but this ONNX Runtime build or machine has no CUDA provider.</exception>
    public SessionOptions ToSessionOptions()
    {
        Validate();
        var options = new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = InterOpThreads,
            GraphOptimizationLevel = GraphOptimization,
            ExecutionMode = ExecutionMode,
        };
        if (CudaDeviceId is { } device)
        {
            var providers = OrtEnv.Instance().GetAvailableProviders();
            if (!providers.Contains("CUDAExecutionProvider"))
            {
                options.Dispose();
                throw BertErrors.Unsupported(
                    $"{nameof(CudaDeviceId)} is {device} but this ONNX Runtime build has no CUDA execution provider (providers: {string.Join(", ", providers)}). " +
                    "Reference Microsoft.ML.OnnxRuntime.Gpu.Linux instead of Microsoft.ML.OnnxRuntime on a machine with CUDA, or leave CudaDeviceId null for the CPU.");
            }

            try
            {
                options.AppendExecutionProvider_CUDA(device);
            }
            catch (OnnxRuntimeException e)
            {
                options.Dispose();
                throw BertErrors.Unsupported($"{nameof(CudaDeviceId)} is {device} but ONNX Runtime could not start CUDA: {e.Message}", e);
            }
        }

        return options;
    }

    /// <summary>
    /// The most threads a session may be given: four per core of this machine. More only adds threads that wait
    /// (asked for 100,000, ONNX Runtime made thousands and ran out of memory).
    /// </summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

    internal void Validate()
    {
        if (IntraOpThreads < 0 || IntraOpThreads > MaxThreads)
        {
            throw BertErrors.Option(nameof(IntraOpThreads), IntraOpThreads, $"0 (automatic) to {MaxThreads} (four per core)");
        }

        if (InterOpThreads < 0 || InterOpThreads > MaxThreads)
        {
            throw BertErrors.Option(nameof(InterOpThreads), InterOpThreads, $"0 (automatic) to {MaxThreads} (four per core)");
        }

        if (CudaDeviceId < 0)
        {
            throw BertErrors.Option(nameof(CudaDeviceId), CudaDeviceId, "0 or more, or null for the CPU");
        }
    }
}
