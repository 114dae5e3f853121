using System.Runtime.InteropServices;

namespace Bert.MLNet.OnnxRuntime.Native;

/// <summary>
/// Owns one ONNX Runtime object (session, session options, value, run options, memory info) and releases
/// it with that object's own Release function exactly once, even when the owner is never disposed.
/// </summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private readonly delegate* unmanaged<nint, void> release;

    internal OrtHandle(nint handle, delegate* unmanaged<nint, void> release)
        : base(0, ownsHandle: true)
    {
        this.release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        release(handle);
        return true;
    }
}
