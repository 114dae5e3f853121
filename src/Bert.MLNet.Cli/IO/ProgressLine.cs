using System.Diagnostics;

namespace Bert.MLNet.Cli.IO;

/// <summary>
/// One progress line on stderr, written on the calling thread: on a terminal redrawn in place at most five
/// times a second; in a log, a line every ten seconds, so logs stay short. The last update always shows.
/// </summary>
internal sealed class ProgressLine(Stopwatch clock)
{
    private readonly bool interactive = !Console.IsErrorRedirected;
    private TimeSpan lastShown = TimeSpan.Zero;
    private bool shown;

    /// <summary>Shows <paramref name="text"/> unless the last update was too recent (a final update always shows).</summary>
    public void Show(string text, bool final)
    {
        if (!final && clock.Elapsed - lastShown < TimeSpan.FromSeconds(interactive ? 0.2 : 10))
        {
            return;
        }

        lastShown = clock.Elapsed;
        shown = true;
        Console.Error.Write(interactive ? "\r" + text : text + Environment.NewLine);
    }

    /// <summary>Ends the redrawn line on a terminal, so what follows starts on a line of its own.</summary>
    public void Finish()
    {
        if (shown && interactive)
        {
            Console.Error.WriteLine();
        }
    }
}
