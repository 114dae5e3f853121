using System.Runtime.InteropServices;

namespace Bert.MLNet.Cli.Commands;

/// <summary>
/// ONNX Runtime 1.31's own telemetry on Linux and macOS (a 1DS uploader to mobile.events.data.microsoft.com) writes a
/// <c>.ses</c> file into the temp folder at every start, besides its cache under <c>~/.cache/Microsoft</c>. The tool
/// switches it off through ONNX Runtime's documented opt-out, <c>ORT_DISABLE_TELEMETRY=1</c>, unless the variable is
/// already set (set it to 0 to keep ONNX Runtime's default). The variable must reach the native environment before
/// ONNX Runtime starts, which .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not do.
/// </summary>
internal static class RuntimeTelemetry
{
    private const string Variable = "ORT_DISABLE_TELEMETRY";

    internal static void DisableUnlessSet()
    {
        if (OperatingSystem.IsWindows() || Environment.GetEnvironmentVariable(Variable) is not null)
        {
            return;
        }

        _ = SetEnvironment(Variable, "1", overwrite: 0);
    }

#pragma warning disable SYSLIB1054 // One call at start-up; DllImport needs no unsafe code for the string marshalling.
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnvironment(string name, string value, int overwrite);
#pragma warning restore SYSLIB1054
}
