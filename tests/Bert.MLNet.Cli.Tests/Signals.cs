using System.Runtime.InteropServices;

namespace Bert.MLNet.Cli.Tests;

/// <summary>Sends a POSIX signal to a process the tests started (libc <c>kill</c>; .NET can send only SIGKILL).</summary>
internal static class Signals
{
    /// <summary>Sends <paramref name="signal"/> (2 for SIGINT, 15 for SIGTERM) to the process; 0 when it was sent.</summary>
    internal static int Send(int pid, int signal) => Kill(pid, signal);

#pragma warning disable SYSLIB1054 // A test helper's one call; DllImport needs no generated marshalling.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
