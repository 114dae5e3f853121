using System.Reflection;
using System.Runtime.InteropServices;

namespace Bert.MLNet.OnnxRuntime.Native;

/// <summary>
/// Finds and loads the ONNX Runtime native library once per process and hands out its function table.
/// </summary>
/// <remarks>
/// Where it looks, first match wins: the path given to <see cref="OnnxRuntimeLibrary.UseLibrary"/>; the path in
/// <see cref="OnnxRuntimeLibrary.LibraryPathVariable"/>;
/// <c>runtimes/&lt;rid&gt;/native/</c> beside the application (where this project's build, and the NuGet package
/// Microsoft.ML.OnnxRuntime, put it); then the operating system's own search.
/// </remarks>
internal static unsafe class OrtLibrary
{
    /// <summary>The C API version requested: 13 has every function the binding uses; ONNX Runtime 1.30 serves 1 to 25.</summary>
    internal const uint ApiVersion = 13;

    private static readonly Lazy<Loaded> Instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string? configuredPath;

    /// <summary>Chooses the library file before it is loaded; after that the choice is fixed for the process.</summary>
    internal static void Configure(string path)
    {
        if (Instance.IsValueCreated)
        {
            throw new InvalidOperationException($"The ONNX Runtime library is loaded already (from {Instance.Value.Path}); choose the path before the first session is created.");
        }

        configuredPath = path;
    }

    internal static OrtApi* Api => (OrtApi*)Instance.Value.Api;

    internal static string Path => Instance.Value.Path;

    internal static string Version => Instance.Value.Version;

    private static Loaded Load()
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates())
        {
            tried.Add(candidate);
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return Bind(handle, candidate);
            }
        }

        foreach (var name in LibraryNames())
        {
            tried.Add(name);
            if (NativeLibrary.TryLoad(name, typeof(OrtLibrary).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory, out var handle))
            {
                return Bind(handle, name);
            }
        }

        throw new DllNotFoundException(
            $"The ONNX Runtime native library was not found for {RuntimeInformation.RuntimeIdentifier}. Tried: {string.Join(", ", tried)}. " +
            $"Set {OnnxRuntimeLibrary.LibraryPathVariable} to the library's path, or build the project (its build places the library from npm onnxruntime-node under runtimes/).");
    }

    private static Loaded Bind(nint handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var getApiBase))
        {
            throw new EntryPointNotFoundException($"{path} does not export OrtGetApiBase; it is not an ONNX Runtime library.");
        }

        var apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
        var getApi = (delegate* unmanaged<uint, OrtApi*>)apiBase[0];
        var getVersion = (delegate* unmanaged<byte*>)apiBase[1];
        var version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "unknown";
        var api = getApi(ApiVersion);
        if (api is null)
        {
            throw new NotSupportedException($"{path} (ONNX Runtime {version}) does not serve C API version {ApiVersion}; ONNX Runtime 1.13 or later is needed.");
        }

        return new Loaded((nint)api, path, version);
    }

    private static IEnumerable<string> Candidates()
    {
        if (configuredPath is not null)
        {
            yield return configuredPath;
        }

        if (Environment.GetEnvironmentVariable(OnnxRuntimeLibrary.LibraryPathVariable) is { Length: > 0 } configured)
        {
            yield return configured;
        }

        var rid = RuntimeIdentifier();
        foreach (var root in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(typeof(OrtLibrary).Assembly.Location) })
        {
            if (string.IsNullOrEmpty(root))
            {
                continue;
            }

            foreach (var name in LibraryNames())
            {
                yield return System.IO.Path.Combine(root, "runtimes", rid, "native", name);
            }
        }
    }

    private static string RuntimeIdentifier()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            var other => other.ToString().ToLowerInvariant(),
        };
        return $"{os}-{arch}";
    }

    private static string[] LibraryNames() =>
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"]
        : OperatingSystem.IsMacOS() ? ["libonnxruntime.1.dylib", "libonnxruntime.dylib"]
        : ["libonnxruntime.so.1", "libonnxruntime.so"];

    private sealed record Loaded(nint Api, string Path, string Version);
}
