using System.Runtime.InteropServices;

namespace Bert.MLNet.Cli.Commands;

/// <summary>
/// Turns the errors a user can cause (bad paths, files, options, a time budget too short) into one line on stderr and
/// exit code 1, and an interruption into one line and exit code 130 (SIGINT, Ctrl+C) or 143 (SIGTERM).
/// </summary>
internal static class CommandErrors
{
    internal static Task<int> Run(Func<int> action) => RunAsync(() => Task.FromResult(action()));

    internal static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or FormatException
            or NotSupportedException or TimeoutException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException e)
        {
            var signal = Interrupts.Received ?? PosixSignal.SIGINT;
            var kept = e is ResumableCancellation ? e.Message : "nothing was written, previous outputs are as they were";
            Console.Error.WriteLine($"cancelled ({(signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT")}): {kept}");
            return signal == PosixSignal.SIGTERM ? 143 : 130;
        }
    }
}

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM, turned into cancellation: the first one cancels <see cref="Token"/>, which every command
/// passes down, so the work stops at its next check and its cleanup runs; a second one ends the process at once.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private static readonly CancellationTokenSource Source = new();
    private static int receivedSignal;
    private readonly PosixSignalRegistration[] registrations;

    private Interrupts() =>
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];

    /// <summary>Cancelled by the first signal.</summary>
    internal static CancellationToken Token => Source.Token;

    /// <summary>The first signal received, or null.</summary>
    internal static PosixSignal? Received => Volatile.Read(ref receivedSignal) is var signal and not 0 ? (PosixSignal)signal : null;

    /// <summary>Starts handling the signals for the life of the returned object.</summary>
    internal static Interrupts Install() => new();

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        // Handlers run on threads of their own: only the first signal, decided atomically, cancels.
        if (Interlocked.CompareExchange(ref receivedSignal, (int)context.Signal, 0) != 0)
        {
            return; // A second signal: its default action ends the process.
        }

        context.Cancel = true;
        Source.Cancel();
    }
}

/// <summary>Work cancelled that keeps what it had done, for the same command to resume; the message says where.</summary>
internal sealed class ResumableCancellation(string message, Exception inner, CancellationToken token) : OperationCanceledException(message, inner, token);
