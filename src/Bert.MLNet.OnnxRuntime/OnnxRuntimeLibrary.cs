using System.Runtime.InteropServices;
using Bert.MLNet.OnnxRuntime.Native;

namespace Bert.MLNet.OnnxRuntime;

/// <summary>The ONNX Runtime native library this process uses: where it came from, its version, its execution providers.</summary>
public static unsafe class OnnxRuntimeLibrary
{
    /// <summary>
    /// The environment variable that names the native library file to load (for example a CUDA build),
    /// ahead of the copy under <c>runtimes/&lt;rid&gt;/native/</c>.
    /// </summary>
    public const string LibraryPathVariable = "BERT_MLNET_ONNXRUNTIME";

    private static readonly Lazy<OrtHandle> SharedEnvironment = new(CreateEnvironment, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Loads the native library from <paramref name="path"/> (for example a CUDA build) instead of the bundled copy.
    /// Call it before anything else touches ONNX Runtime.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidOperationException">The library is loaded already.</exception>
    public static void UseLibrary(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX Runtime library '{path}' does not exist.", path);
        }

        OrtLibrary.Configure(path);
    }

    /// <summary>The version of the loaded library, for example <c>1.30.0</c>. Loads it on first use.</summary>
    public static string Version => OrtLibrary.Version;

    /// <summary>The path (or name) the library was loaded from.</summary>
    public static string LibraryPath => OrtLibrary.Path;

    /// <summary>The execution providers this build of the library was compiled with, for example <c>CPUExecutionProvider</c>.</summary>
    public static IReadOnlyList<string> AvailableProviders
    {
        get
        {
            var api = OrtLibrary.Api;
            byte** names;
            int count;
            OrtStatus.Check(api->GetAvailableProviders(&names, &count));
            try
            {
                var providers = new string[count];
                for (var i = 0; i < count; i++)
                {
                    providers[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
                }

                return providers;
            }
            finally
            {
                OrtStatus.Check(api->ReleaseAvailableProviders(names, count));
            }
        }
    }

    /// <summary>The process-wide ONNX Runtime environment every session is created in; it lives as long as the process.</summary>
    internal static nint Environment => SharedEnvironment.Value.DangerousGetHandle();

    private static OrtHandle CreateEnvironment()
    {
        var api = OrtLibrary.Api;
        nint env;
        fixed (byte* name = "bert-mlnet"u8)
        {
            OrtStatus.Check(api->CreateEnv(3 /* ORT_LOGGING_LEVEL_ERROR */, name, &env));
        }

        return new OrtHandle(env, api->ReleaseEnv);
    }
}
