using System.Security.Cryptography;
using Bert.MLNet.Cli.Data;
using Bert.MLNet.Cluster;

namespace Bert.MLNet.Cli.IO;

/// <summary>
/// The texts <c>embed</c> reads: every line of a text file (<see cref="TextLines"/>), or, with <c>--column</c>, one
/// column of a TSV or CSV dataset (<see cref="DatasetFile"/>), one text per row in input order.
/// </summary>
internal sealed record InputTexts(string Path, string? Column)
{
    /// <summary>What a text is, in messages: a line or a row.</summary>
    internal string Rows => Column is null ? "lines" : "rows";

    /// <summary>Reads the texts.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not valid UTF-8, or the dataset is malformed (the message names the file and line).</exception>
    /// <exception cref="ArgumentException">The dataset has no such column.</exception>
    internal string[] Read()
    {
        RefuseDatasetAsLines();
        if (Column is null)
        {
            return [.. TextLines.Read(Path)];
        }

        var dataset = DatasetFile.Open(Path);
        dataset.Require(Column, "--column");
        return dataset.Texts(Column);
    }

    /// <summary>
    /// The input as a cluster job reads it, in shards of <paramref name="shardRows"/> rows: text lines are checked and
    /// indexed once, then each shard is read from its byte offset when it is sent; a dataset column is read whole.
    /// </summary>
    internal JobInput ForJob(int shardRows)
    {
        RefuseDatasetAsLines();
        string sha256;
        long bytes;
        if (Column is not null)
        {
            var texts = Read();
            (bytes, sha256) = Identify(Path);
            return JobInput.InMemory(Path, Column, texts, bytes, sha256);
        }

        var (lines, offsets) = TextLines.Index(Path, shardRows);
        (bytes, sha256) = Identify(Path);
        return new JobInput(Path, null, lines, bytes, sha256, (first, count) => TextLines.ReadRange(Path, offsets[first / shardRows], first + 1, count));
    }

    // A dataset read as lines would embed its header and its rows' fields joined by tabs or commas.
    private void RefuseDatasetAsLines()
    {
        var extension = System.IO.Path.GetExtension(Path).ToLowerInvariant();
        if (Column is null && extension is ".tsv" or ".tab" or ".csv")
        {
            throw new ArgumentException(
                $"--input '{Path}' is a {extension} dataset: name the column to embed with --column (to embed whole lines, give the file a .txt name).");
        }
    }

    private static (long Bytes, string Sha256) Identify(string path)
    {
        using var stream = File.OpenRead(path);
        return (stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}
