using System.Text;

namespace Bert.MLNet.Cli.IO;

/// <summary>
/// Reads a file as one text per line. Only a line feed ends a line (a carriage return right before it is
/// dropped), so tabs, lone carriage returns, form feeds and other control characters stay inside their text.
/// Empty lines are texts too. A final line feed does not start another, empty text.
/// </summary>
internal static class TextLines
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not valid UTF-8 (the message names the file and line).</exception>
    internal static IEnumerable<string> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file '{path}' does not exist.", path);
        }

        return ReadExisting(path);
    }

    private static IEnumerable<string> ReadExisting(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var line = 1;
        while (start < bytes.Length)
        {
            var length = bytes.AsSpan(start).IndexOf((byte)'\n');
            var end = length < 0 ? bytes.Length : start + length;
            var textEnd = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            yield return Decode(bytes, start, textEnd - start, path, line);
            start = end + 1;
            line++;
        }
    }

    private static string Decode(byte[] bytes, int start, int count, string path, int line)
    {
        try
        {
            return StrictUtf8.GetString(bytes, start, count);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path} line {line}: not valid UTF-8 (byte {e.Index + 1} of the line).", e);
        }
    }
}
