using System.Text;
using Bert.MLNet.Cli.IO;

namespace Bert.MLNet.Cli.Tests;

/// <summary>
/// <see cref="TextLines"/> against hand-written cases and against the rule said with strings (split on line feeds,
/// drop one carriage return before each, no text after a final line feed), read whole and in indexed ranges.
/// </summary>
public sealed class TextLinesTests : IDisposable
{
    private static readonly string[] Pieces = ["a", "é", "€", "𝄞", "\t", "\r", " "];

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-lines-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("\n", new[] { "" })]
    [InlineData("a", new[] { "a" })]
    [InlineData("a\n", new[] { "a" })]
    [InlineData("a\r\n\r\nb\rc\tx\r", new[] { "a", "", "b\rc\tx" })]
    [InlineData("\uFEFFfirst\nsecond", new[] { "first", "second" })]
    [InlineData("x\n\uFEFFy", new[] { "x", "\uFEFFy" })]
    public void HandWrittenCases(string content, string[] expected)
    {
        var path = Write(Encoding.UTF8.GetBytes(content));
        Assert.Equal(expected, TextLines.Read(path));
        Assert.Equal(expected, Ranges(path, 1));
    }

    [Fact]
    public void IndexedRangesGiveTheLinesReadWhole()
    {
        // Lines around and beyond the 64 KiB read chunk, with multi-byte characters across its edges.
        var random = new Random(7);
        var lines = Enumerable.Range(0, 400).Select(i => i % 50 == 7
            ? new string('é', 40_000 + random.Next(1000)) + "€"
            : string.Concat(Enumerable.Range(0, random.Next(0, 60)).Select(_ => Pieces[random.Next(Pieces.Length)]))).ToArray();
        var content = string.Join('\n', lines.Select((l, i) => i % 3 == 0 ? l + "\r" : l));
        var path = Write(Encoding.UTF8.GetBytes(content));
        var expected = Reference(content);

        Assert.Equal(expected, TextLines.Read(path));
        foreach (var every in new[] { 1, 7, 100, 399, 400, 1000 })
        {
            Assert.Equal(expected, Ranges(path, every));
        }
    }

    [Fact]
    public void InvalidUtf8IsNamedByItsLineWhenIndexedAndWhenRead()
    {
        var path = Write([.. "one\ntwo\n"u8, 0xC3, 0x28, .. "\nfour\n"u8]);
        Assert.Contains("line 3: not valid UTF-8 (byte 1 of the line)", Assert.Throws<InvalidDataException>(() => TextLines.Index(path, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("line 3: not valid UTF-8", Assert.Throws<InvalidDataException>(() => TextLines.Read(path).ToArray()).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => TextLines.Index(Path.Combine(folder, "missing.txt"), 2));
    }

    // The documented rule, said with strings.
    private static string[] Reference(string content)
    {
        if (content.StartsWith('\uFEFF'))
        {
            content = content[1..];
        }

        var parts = content.Split('\n').ToList();
        if (parts[^1].Length == 0)
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return [.. parts.Select(p => p.EndsWith('\r') ? p[..^1] : p)];
    }

    private static string[] Ranges(string path, int every)
    {
        var (lines, offsets) = TextLines.Index(path, every);
        Assert.Equal((lines + every - 1) / every, offsets.Length);
        return [.. offsets.SelectMany((offset, shard) => TextLines.ReadRange(path, offset, (long)shard * every + 1, every))];
    }

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(folder, $"{Guid.NewGuid():N}.txt");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
