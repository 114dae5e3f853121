using System.Runtime.InteropServices;

namespace Bert.MLNet.Cli.Commands;

/// <summary>
/// Turns the errors a user can cause (bad paths, files, options, a time budget too short) into one line on stderr and
/// exit code 1, and an interruption into one line and exit code 130 (SIGINT, Ctrl+C) or 143 (SIGTERM).
/// </summary>
internal static class CommandErrors
{
    // The library's option properties as the CLI spells them: its errors name the property, the user typed the flag.
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["BatchSize"] = "--batch-size", ["MaxLength"] = "--max-length", ["Stride"] = "--stride", ["Precision"] = "--precision",
        ["IntraOpThreads"] = "--threads", ["InterOpThreads"] = "--threads", ["Layers"] = "--layers", ["Pooling"] = "--pooling",
        ["Combine"] = "--combine", ["maxLength"] = "--max-length", ["Folds"] = "--folds", ["Poolings"] = "--poolings", ["Trainers"] = "--trainers",
    };

    internal static Task<int> Run(Func<int> action) => RunAsync(() => Task.FromResult(action()));

    /// <summary>
    /// An argument error in one line, in the CLI's words: without .NET's "(Parameter 'X')" and "Actual value was"
    /// suffixes, and with a library property the message names replaced by the flag that sets it.
    /// </summary>
    internal static string InFlags(ArgumentException e)
    {
        var message = e.Message;
        if (e is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            message = message.Replace($"{Environment.NewLine}Actual value was {actual}.", string.Empty, StringComparison.Ordinal);
        }

        if (e.ParamName is { } name)
        {
            message = message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal);
        }

        // The property the message is about: its parameter, or else the one it opens with ("MaxLength is 600 but ...").
        var property = e.ParamName is { } parameter && Flags.ContainsKey(parameter) ? parameter
            : System.Text.RegularExpressions.Regex.Match(message, @"^(\w+) is ") is { Success: true } opening && Flags.ContainsKey(opening.Groups[1].Value)
                ? opening.Groups[1].Value : null;
        if (property is not null)
        {
            message = System.Text.RegularExpressions.Regex.Replace(message, $@"\b{property}\b", Flags[property]);
        }

        return message.ReplaceLineEndings(" ");
    }

    internal static async Task<int> RunAsync(Func<Task<int>> action)
    {
        // ML.NET stages a loaded model's ONNX graph there, and .NET's own message for a missing one names no folder.
        if (!Directory.Exists(Path.GetTempPath()))
        {
            Console.Error.WriteLine($"error: the temp folder '{Path.GetTempPath()}' does not exist; create it, or set TMPDIR to a folder that does.");
            return 1;
        }

        try
        {
            return await action();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or FormatException
            or NotSupportedException or TimeoutException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            Console.Error.WriteLine($"error: {(e is ArgumentException argument ? InFlags(argument) : e.Message)}");
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
