using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Bert.MLNet.OnnxRuntime.Native;

/// <summary>The one path every C API status takes: null is success; anything else is freed and thrown with ONNX Runtime's message.</summary>
[StackTraceHidden]
internal static unsafe class OrtStatus
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(nint status)
    {
        if (status != 0)
        {
            Throw(status);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(nint status)
    {
        var api = OrtLibrary.Api;
        var code = (OrtErrorCode)api->GetErrorCode(status);
        var message = Marshal.PtrToStringUTF8((nint)api->GetErrorMessage(status)) ?? "(no message)";
        api->ReleaseStatus(status);
        throw new OnnxRuntimeException(code, message);
    }
}
