using System.Buffers;
using System.Runtime.InteropServices;
using Bert.MLNet.OnnxRuntime.Native;

namespace Bert.MLNet.OnnxRuntime;

/// <summary>
/// One ONNX Runtime session over a model held in memory. <see cref="Run"/> is safe to call from many threads
/// at once (ONNX Runtime's guarantee); disposing while a run is under way is not.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OrtHandle session;
    private readonly Dictionary<string, nint> utf8Names = new(StringComparer.Ordinal);
    private readonly OrtHandle memoryInfo;

    private InferenceSession(OrtHandle session, OrtHandle memoryInfo)
    {
        this.session = session;
        this.memoryInfo = memoryInfo;
        Inputs = ReadMetadata(input: true);
        Outputs = ReadMetadata(input: false);
        foreach (var name in Inputs.Concat(Outputs).Select(m => m.Name))
        {
            utf8Names.TryAdd(name, Marshal.StringToCoTaskMemUTF8(name));
        }
    }

    /// <summary>The model's inputs.</summary>
    public IReadOnlyList<TensorMetadata> Inputs { get; }

    /// <summary>The model's outputs.</summary>
    public IReadOnlyList<TensorMetadata> Outputs { get; }

    /// <summary>Creates a session from the bytes of an ONNX model (no file is written).</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime rejected the model or options; its message says why.</exception>
    /// <exception cref="NotSupportedException">The CUDA provider was asked for but this library has none.</exception>
    public static InferenceSession Create(ReadOnlySpan<byte> model, SessionOptions? options = null)
    {
        options ??= new SessionOptions();
        options.Validate();
        var api = OrtLibrary.Api;
        var environment = OnnxRuntimeLibrary.Environment;
        nint raw;
        OrtStatus.Check(api->CreateSessionOptions(&raw));
        using var sessionOptions = new OrtHandle(raw, api->ReleaseSessionOptions);
        OrtStatus.Check(api->SetIntraOpNumThreads(raw, options.IntraOpThreads));
        OrtStatus.Check(api->SetInterOpNumThreads(raw, options.InterOpThreads));
        OrtStatus.Check(api->SetSessionGraphOptimizationLevel(raw, (int)options.GraphOptimization));
        OrtStatus.Check(api->SetSessionExecutionMode(raw, (int)options.ExecutionMode));
        if (options.ExecutionProvider == ExecutionProvider.Cuda)
        {
            AppendCuda(raw, options.CudaDeviceId);
        }

        nint created;
        fixed (byte* bytes = model)
        {
            OrtStatus.Check(api->CreateSessionFromArray(environment, bytes, (nuint)model.Length, raw, &created));
        }

        var sessionHandle = new OrtHandle(created, api->ReleaseSession);
        nint info;
        OrtStatus.Check(api->CreateCpuMemoryInfo(1 /* OrtArenaAllocator */, 0 /* OrtMemTypeDefault */, &info));
        return new InferenceSession(sessionHandle, new OrtHandle(info, api->ReleaseMemoryInfo));
    }

    /// <summary>
    /// Runs the model on int64 inputs (read in place) and returns the named outputs. Cancelling the token
    /// terminates the run inside ONNX Runtime and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An input or output name is not the model's, or a shape does not match its data.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime failed; its message says why.</exception>
    public SessionOutputs Run(ReadOnlySpan<TensorInput> inputs, IReadOnlyList<string> outputNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputNames);
        cancellationToken.ThrowIfCancellationRequested();
        var api = OrtLibrary.Api;
        var inputNames = stackalloc byte*[inputs.Length];
        var inputValues = new nint[inputs.Length];
        var pins = new MemoryHandle[inputs.Length];
        var outputNamePointers = stackalloc byte*[outputNames.Count];
        var outputValues = new nint[outputNames.Count];
        nint runOptions = 0;
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                var input = inputs[i];
                inputNames[i] = Utf8Name(input.Name, "input", Inputs);
                var count = 1L;
                foreach (var dim in input.Shape)
                {
                    count *= dim;
                }

                if (count != input.Data.Length)
                {
                    throw new ArgumentException($"Input '{input.Name}' has shape [{string.Join(", ", input.Shape)}] ({count} values) but {input.Data.Length} values.", nameof(inputs));
                }

                pins[i] = input.Data.Pin();
                fixed (long* shape = input.Shape)
                {
                    nint value;
                    OrtStatus.Check(api->CreateTensorWithDataAsOrtValue(memoryInfo.DangerousGetHandle(), pins[i].Pointer,
                        (nuint)(input.Data.Length * sizeof(long)), shape, (nuint)input.Shape.Length, (int)TensorElementType.Int64, &value));
                    inputValues[i] = value;
                }
            }

            for (var i = 0; i < outputNames.Count; i++)
            {
                outputNamePointers[i] = Utf8Name(outputNames[i], "output", Outputs);
            }

            if (cancellationToken.CanBeCanceled)
            {
                nint created;
                OrtStatus.Check(api->CreateRunOptions(&created));
                runOptions = created;
            }

            using var registration = runOptions == 0 ? default
                : cancellationToken.Register(static state => OrtLibrary.Api->RunOptionsSetTerminate((nint)state!), runOptions);
            fixed (nint* inputPointers = inputValues)
            fixed (nint* outputPointers = outputValues)
            {
                var status = api->Run(session.DangerousGetHandle(), runOptions, inputNames, inputPointers, (nuint)inputs.Length,
                    outputNamePointers, (nuint)outputNames.Count, outputPointers);
                if (status != 0 && cancellationToken.IsCancellationRequested)
                {
                    api->ReleaseStatus(status);
                    ReleaseAll(outputValues);
                    throw new OperationCanceledException("The ONNX Runtime run was cancelled.", cancellationToken);
                }

                if (status != 0)
                {
                    ReleaseAll(outputValues);
                }

                OrtStatus.Check(status);
            }

            return new SessionOutputs(outputNames, outputValues);
        }
        finally
        {
            ReleaseAll(inputValues);
            foreach (var pin in pins)
            {
                pin.Dispose();
            }

            if (runOptions != 0)
            {
                api->ReleaseRunOptions(runOptions);
            }
        }
    }

    /// <summary>Frees the session.</summary>
    public void Dispose()
    {
        session.Dispose();
        memoryInfo.Dispose();
        foreach (var name in utf8Names.Values)
        {
            Marshal.FreeCoTaskMem(name);
        }

        utf8Names.Clear();
    }

    internal static (TensorElementType Type, long[] Dimensions, string[] Symbolic) ReadTensorInfo(nint info)
    {
        var api = OrtLibrary.Api;
        int type;
        nuint count;
        OrtStatus.Check(api->GetTensorElementType(info, &type));
        OrtStatus.Check(api->GetDimensionsCount(info, &count));
        var dims = new long[(int)count];
        var symbolic = new string[(int)count];
        var names = stackalloc byte*[(int)count];
        fixed (long* d = dims)
        {
            OrtStatus.Check(api->GetDimensions(info, d, count));
        }

        OrtStatus.Check(api->GetSymbolicDimensions(info, names, count));
        for (var i = 0; i < (int)count; i++)
        {
            symbolic[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
        }

        return ((TensorElementType)type, dims, symbolic);
    }

    private static void AppendCuda(nint sessionOptions, int deviceId)
    {
        if (!OnnxRuntimeLibrary.AvailableProviders.Contains("CUDAExecutionProvider"))
        {
            throw new NotSupportedException(
                $"The CUDA execution provider is not in this ONNX Runtime build ({OnnxRuntimeLibrary.LibraryPath}, providers: " +
                $"{string.Join(", ", OnnxRuntimeLibrary.AvailableProviders)}). Point {OnnxRuntimeLibrary.LibraryPathVariable} at a CUDA build, or use the CPU provider.");
        }

        var api = OrtLibrary.Api;
        nint cuda;
        OrtStatus.Check(api->CreateCUDAProviderOptions(&cuda));
        try
        {
            var key = Marshal.StringToCoTaskMemUTF8("device_id");
            var value = Marshal.StringToCoTaskMemUTF8(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                var keys = stackalloc byte*[] { (byte*)key };
                var values = stackalloc byte*[] { (byte*)value };
                OrtStatus.Check(api->UpdateCUDAProviderOptions(cuda, keys, values, 1));
            }
            finally
            {
                Marshal.FreeCoTaskMem(key);
                Marshal.FreeCoTaskMem(value);
            }

            OrtStatus.Check(api->SessionOptionsAppendExecutionProvider_CUDA_V2(sessionOptions, cuda));
        }
        finally
        {
            api->ReleaseCUDAProviderOptions(cuda);
        }
    }

    private static void ReleaseAll(nint[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] != 0)
            {
                OrtLibrary.Api->ReleaseValue(values[i]);
                values[i] = 0;
            }
        }
    }

    private byte* Utf8Name(string name, string kind, IReadOnlyList<TensorMetadata> declared) =>
        declared.Any(m => m.Name == name) && utf8Names.TryGetValue(name, out var pointer)
            ? (byte*)pointer
            : throw new ArgumentException($"The model has no {kind} named '{name}'; its {kind}s are {string.Join(", ", declared.Select(m => m.Name))}.");

    private TensorMetadata[] ReadMetadata(bool input)
    {
        var api = OrtLibrary.Api;
        var handle = session.DangerousGetHandle();
        nuint count;
        OrtStatus.Check(input ? api->SessionGetInputCount(handle, &count) : api->SessionGetOutputCount(handle, &count));
        nint allocator;
        OrtStatus.Check(api->GetAllocatorWithDefaultOptions(&allocator));
        var result = new TensorMetadata[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* name;
            OrtStatus.Check(input ? api->SessionGetInputName(handle, i, allocator, &name) : api->SessionGetOutputName(handle, i, allocator, &name));
            var text = Marshal.PtrToStringUTF8((nint)name) ?? string.Empty;
            OrtStatus.Check(api->AllocatorFree(allocator, name));
            nint typeInfo;
            OrtStatus.Check(input ? api->SessionGetInputTypeInfo(handle, i, &typeInfo) : api->SessionGetOutputTypeInfo(handle, i, &typeInfo));
            try
            {
                nint tensorInfo;
                OrtStatus.Check(api->CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
                var (type, dims, symbolic) = tensorInfo == 0 ? (TensorElementType.Undefined, [], []) : ReadTensorInfo(tensorInfo);
                result[(int)i] = new TensorMetadata(text, type, dims, symbolic);
            }
            finally
            {
                api->ReleaseTypeInfo(typeInfo);
            }
        }

        return result;
    }
}
