namespace Bert.MLNet.Cli.Commands;

/// <summary>Turns the errors a user can cause (bad paths, files, options, a time budget too short) into one line on stderr and exit code 1; Ctrl+C into exit code 130.</summary>
internal static class CommandErrors
{
    internal static Task<int> Run(Func<int> action)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or FormatException
            or NotSupportedException or TimeoutException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Task.FromResult(1);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return Task.FromResult(130);
        }
    }
}
