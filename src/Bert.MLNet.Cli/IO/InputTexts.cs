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
    /// <exception cref="ArgumentException">The input is not a regular file (a pipe, a device), which cannot be read more than once.</exception>
    /// <exception cref="InvalidDataException">The file changes while it is indexed, or before a shard is read from it.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while indexing or hashing.</exception>
    internal JobInput ForJob(int shardRows, CancellationToken cancellation)
    {
        RefuseDatasetAsLines();
        RefuseUnseekable();
        string sha256;
        long bytes;
        if (Column is not null)
        {
            var texts = Read();
            (bytes, sha256) = Identify(Path, cancellation);
            return JobInput.InMemory(Path, Column, texts, bytes, sha256);
        }

        var stamp = FileStamp.Of(Path);
        var (lines, offsets) = TextLines.Index(Path, shardRows, cancellation);
        (bytes, sha256) = Identify(Path, cancellation);
        stamp.Check(Path);
        return new JobInput(Path, null, lines, bytes, sha256, (first, count) =>
        {
            // Shards are read when they are sent, some minutes after the index: a changed file would give other texts.
            stamp.Check(Path);
            var rows = TextLines.ReadRange(Path, offsets[first / shardRows], first + 1, count);
            stamp.Check(Path);
            return rows;
        });
    }

    // A pipe or a device gives its bytes once; a job reads its input to index it, to hash it and again for each shard.
    private void RefuseUnseekable()
    {
        if (!File.Exists(Path))
        {
            return;
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        if (!stream.CanSeek)
        {
            throw new ArgumentException(
                $"--input '{Path}' is not a regular file (a pipe or a device?): a cluster job reads its input several times " +
                "(to index it, to hash it, and once per shard); write the texts to a file first.");
        }
    }

    // The size and modification time of the input, to notice a file changed under a running job.
    private readonly record struct FileStamp(long Length, DateTime Modified)
    {
        internal static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc) : default;
        }

        internal void Check(string path)
        {
            var now = Of(path);
            if (now != this)
            {
                throw new InvalidDataException(
                    $"--input '{path}' changed while the job ran ({Length} bytes modified {Modified:u} when indexed, now {now.Length} bytes modified {now.Modified:u}): " +
                    "the shards still to send would hold other texts. The parts written so far are from the file as it was: restore it and run again to resume, " +
                    "or give a new --output to start over.");
            }
        }
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

    private static (long Bytes, string Sha256) Identify(string path, CancellationToken cancellation)
    {
        using var stream = File.OpenRead(path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            hash.AppendData(buffer, 0, read);
        }

        return (stream.Length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
