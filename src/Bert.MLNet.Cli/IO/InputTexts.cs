using System.Security.Cryptography;
using Bert.MLNet.Cli.Data;
using Bert.MLNet.Cluster;
using Microsoft.ML;

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
        if (Column is null)
        {
            return [.. TextLines.Read(Path)];
        }

        var dataset = DatasetFile.Open(Path);
        dataset.Require(Column, "--column");
        return dataset.Texts(new MLContext(), Column);
    }

    /// <summary>Reads the texts with what identifies the file (size and SHA-256), as a cluster job records it.</summary>
    internal JobInput ReadForJob()
    {
        var texts = Read();
        using var stream = File.OpenRead(Path);
        return new JobInput(Path, Column, texts, stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}
