using System.Buffers;
using System.Text;

namespace Bert.MLNet.Cli.IO;

/// <summary>
/// Reads a file as one text per line. Only a line feed ends a line (a carriage return right before it is
/// dropped), so tabs, lone carriage returns, form feeds and other control characters stay inside their text.
/// Every line must be valid UTF-8 without a NUL byte. Empty lines are texts too. A final line feed does not start another, empty text. A UTF-8 byte order mark at the
/// start of the file is skipped. The file is streamed: a range of lines can be read from a byte offset that
/// <see cref="Index"/> found, so that a corpus never has to fit in memory.
/// </summary>
internal static class TextLines
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Every line of the file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not valid UTF-8 (the message names the file and line).</exception>
    internal static IEnumerable<string> Read(string path)
    {
        Require(path);
        return ReadFrom(path, 0, 1, int.MaxValue);
    }

    /// <summary>
    /// <paramref name="count"/> lines (fewer at the end of the file) from byte <paramref name="offset"/>, the start of
    /// line <paramref name="firstLine"/> (counted from 1, for messages), as <see cref="Index"/> gives them.
    /// </summary>
    internal static string[] ReadRange(string path, long offset, long firstLine, int count) => [.. ReadFrom(path, offset, firstLine, count)];

    /// <summary>
    /// Reads the file once, checking every line: its number of lines, and the byte offset at which lines 1,
    /// 1 + <paramref name="every"/>, 1 + 2 × <paramref name="every"/>, … start.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not valid UTF-8 (the message names the file and line).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled (checked every 65,536 lines).</exception>
    internal static (long Lines, long[] Offsets) Index(string path, int every, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        Require(path);
        var offsets = new List<long>();
        var lines = 0L;
        foreach (var (offset, buffer, length) in RawLines(path, 0))
        {
            if (lines % every == 0)
            {
                offsets.Add(offset);
            }

            if ((lines & 0xFFFF) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }

            Check(buffer, length, path, lines + 1);
            lines++;
        }

        return (lines, [.. offsets]);
    }

    private static void Require(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"Input '{path}' is a folder; expected a text file, one text per line.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input file '{path}' does not exist.", path);
        }
    }

    private static IEnumerable<string> ReadFrom(string path, long offset, long firstLine, int count)
    {
        var line = firstLine;
        foreach (var (_, buffer, length) in RawLines(path, offset))
        {
            if (line - firstLine >= count)
            {
                yield break;
            }

            yield return Decode(buffer, length, path, line);
            line++;
        }
    }

    // Each line's byte offset and bytes (in a buffer reused for the next line), from a line start at offset.
    private static IEnumerable<(long Offset, byte[] Buffer, int Length)> RawLines(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        stream.Position = offset;
        var chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        var line = ArrayPool<byte>.Shared.Rent(1 << 12);
        try
        {
            var length = 0;
            var position = offset;
            var lineStart = offset;
            var atStart = offset == 0;
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                var from = 0;
                if (atStart)
                {
                    atStart = false;
                    if (read >= 3 && chunk.AsSpan(0, 3).SequenceEqual("\uFEFF"u8))
                    {
                        from = 3;
                        lineStart = 3;
                    }
                }

                while (from < read)
                {
                    var newline = chunk.AsSpan(from, read - from).IndexOf((byte)'\n');
                    var end = newline < 0 ? read : from + newline;
                    Append(ref line, ref length, chunk.AsSpan(from, end - from));
                    if (newline < 0)
                    {
                        break;
                    }

                    yield return (lineStart, line, WithoutCarriageReturn(line, length));
                    length = 0;
                    lineStart = position + end + 1;
                    from = end + 1;
                }

                position += read;
            }

            if (length > 0)
            {
                yield return (lineStart, line, WithoutCarriageReturn(line, length));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            ArrayPool<byte>.Shared.Return(line);
        }
    }

    private static void Append(ref byte[] line, ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > line.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(line.Length * 2, length + bytes.Length));
            line.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(line);
            line = larger;
        }

        bytes.CopyTo(line.AsSpan(length));
        length += bytes.Length;
    }

    private static int WithoutCarriageReturn(byte[] line, int length) => length > 0 && line[length - 1] == '\r' ? length - 1 : length;

    private static string Decode(byte[] bytes, int count, string path, long line)
    {
        RefuseNul(bytes, count, path, line);
        try
        {
            return StrictUtf8.GetString(bytes, 0, count);
        }
        catch (DecoderFallbackException e)
        {
            throw NotUtf8(e, path, line);
        }
    }

    private static void Check(byte[] bytes, int count, string path, long line)
    {
        RefuseNul(bytes, count, path, line);
        try
        {
            _ = StrictUtf8.GetCharCount(bytes, 0, count);
        }
        catch (DecoderFallbackException e)
        {
            throw NotUtf8(e, path, line);
        }
    }

    // The rule for every text file the tool reads: UTF-8, and no NUL byte (the sign of UTF-16 or a binary file).
    private static void RefuseNul(byte[] bytes, int count, string path, long line)
    {
        var nul = bytes.AsSpan(0, count).IndexOf((byte)0);
        if (nul >= 0)
        {
            throw new InvalidDataException($"{path} line {line}: a NUL byte (byte {nul + 1} of the line); expected UTF-8 text (a UTF-16 file? save it as UTF-8).");
        }
    }

    private static InvalidDataException NotUtf8(DecoderFallbackException e, string path, long line) =>
        new($"{path} line {line}: not valid UTF-8 (byte {e.Index + 1} of the line).", e);
}
