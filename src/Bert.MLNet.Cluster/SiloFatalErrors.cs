using Microsoft.Extensions.Hosting;

namespace Bert.MLNet.Cluster;

/// <summary>
/// What a silo of ours does on an error Orleans holds fatal, above all being declared dead by the other silos after it
/// stopped answering them (paused, starved or cut off): Orleans' own handler calls <c>Environment.FailFast</c>, an abort
/// with a core dump and exit 134. Ours says what happened in one line and stops the host, so the silo leaves and the
/// process exits with <see cref="ExitCode"/>; shards it held are redone by the others as for any lost silo.
/// </summary>
internal sealed class SiloFatalErrors(IHostApplicationLifetime lifetime) : IFatalErrorHandler
{
    /// <summary>The exit code of a silo stopped by a fatal error.</summary>
    internal const int ExitCode = 1;

    // A dead silo's host may not finish stopping; Orleans would have ended the process at once, so this bounds the wait.
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(20);

    private int reported;

    /// <summary>The one line said, once a fatal error has stopped the silo; null before.</summary>
    internal string? Reason { get; private set; }

    /// <summary>Every exception that reaches this handler is one Orleans could not handle.</summary>
    public bool IsUnexpected(Exception exception) => true;

    /// <summary>Says what happened once, and stops the host.</summary>
    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        if (Interlocked.Exchange(ref reported, 1) == 1)
        {
            return;
        }

        var cause = exception?.GetBaseException().Message ?? context ?? "a fatal error";
        Reason = cause.Contains("declared dead", StringComparison.OrdinalIgnoreCase) || context?.Contains("dead", StringComparison.OrdinalIgnoreCase) == true
            ? "silo stopped: the other silos declared it dead (it did not answer them for several seconds: paused, overloaded or cut off); " +
              "its shards are redone by the others, and it rejoins when started again"
            : $"silo stopped: Orleans hit a fatal error ({cause}); its shards are redone by the others";
        Console.Error.WriteLine(Reason);
        lifetime.StopApplication();
        _ = Task.Delay(StopLimit).ContinueWith(_ => Environment.Exit(ExitCode), TaskScheduler.Default);
    }
}
