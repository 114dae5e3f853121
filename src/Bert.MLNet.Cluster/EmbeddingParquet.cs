using System.Globalization;
using Bert.MLNet.Options;
using Parquet;
using Parquet.Schema;

namespace Bert.MLNet.Cluster;

/// <summary>
/// Embeddings as Parquet, one row per input row: <c>row</c> (int64, the input row counted from 0), <c>embedding</c>
/// (list of float32; several layers kept separate are flattened, layer after layer, and the file's <c>bert-mlnet.shape</c>
/// says how), <c>token_count</c> (int32), <c>truncated</c> (bool) and <c>windows</c> (int32). One file from
/// <c>bert-mlnet embed --output F.parquet</c>, or one part per shard from a cluster job; DuckDB, Spark and pandas read a
/// folder of parts as one table.
/// </summary>
public static class EmbeddingParquet
{
    /// <summary>File metadata: the input row of the file's first row.</summary>
    public const string FirstRowKey = "bert-mlnet.first-row";

    /// <summary>File metadata: each row's vector shape, comma-separated (<c>384</c>, or <c>4,384</c> for four separate layers).</summary>
    public const string ShapeKey = "bert-mlnet.shape";

    /// <summary>File metadata: the model's name.</summary>
    public const string ModelKey = "bert-mlnet.model";

    /// <summary>File metadata: the job a part belongs to (cluster parts only).</summary>
    public const string JobKey = "bert-mlnet.job";

    private const int RowGroupRows = 65_536;

    private static readonly DataField<long> Row = new("row", false);
    private static readonly ListField Embedding = new("embedding", new DataField<float>("element", false));
    private static readonly DataField<int> TokenCount = new("token_count", false);
    private static readonly DataField<bool> Truncated = new("truncated", false);
    private static readonly DataField<int> Windows = new("windows", false);
    private static readonly ParquetSchema Schema = new(Row, Embedding, TokenCount, Truncated, Windows);

    /// <summary>Writes <paramref name="result"/>'s rows, the first being input row <paramref name="firstRow"/>.</summary>
    /// <exception cref="ArgumentException">The result holds per-token vectors (<see cref="Pooling.None"/>), which have no fixed width.</exception>
    internal static async Task WriteAsync(
        Stream stream, EmbeddingResult result, long firstRow, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellation)
    {
        if (result.Shape.Any(d => d < 0))
        {
            throw new ArgumentException(PerTokenOutput.Refusal("--pooling none", "Parquet parts", "embed to .jsonl without --redis"));
        }

        var width = result.Dimension;
        await using var writer = await ParquetWriter.CreateAsync(Schema, stream, cancellationToken: cancellation);
        var custom = new Dictionary<string, string>(metadata)
        {
            [FirstRowKey] = firstRow.ToString(CultureInfo.InvariantCulture),
            [ShapeKey] = string.Join(',', result.Shape),
        };
        writer.CustomMetadata = custom;
        var vectorField = Schema.DataFields[1];
        for (var start = 0; start < result.Count; start += RowGroupRows)
        {
            var rows = Math.Min(RowGroupRows, result.Count - start);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<long>(Row, Enumerable.Range(start, rows).Select(r => firstRow + r).ToArray(), null, cancellationToken: cancellation);
            var values = result.Data.Slice(start * width, rows * width).ToArray();
            var repetition = new int[values.Length];
            for (var i = 0; i < repetition.Length; i++)
            {
                repetition[i] = i % width == 0 ? 0 : 1;
            }

            var definition = new int[values.Length];
            Array.Fill(definition, vectorField.MaxDefinitionLevel);
            await group.WriteAllPartsAsync<float>(vectorField, values, definition, repetition, cancellation);
            await group.WriteAsync<int>(TokenCount, result.TokenCounts.Skip(start).Take(rows).ToArray(), null, cancellationToken: cancellation);
            await group.WriteAsync<bool>(Truncated, result.Truncated.Skip(start).Take(rows).ToArray(), null, cancellationToken: cancellation);
            await group.WriteAsync<int>(Windows, result.WindowCounts.Skip(start).Take(rows).ToArray(), null, cancellationToken: cancellation);
        }
    }

    /// <summary>A file's row count and metadata, read from its footer only.</summary>
    /// <exception cref="InvalidDataException">The file is not a Parquet file this class wrote (the message names it).</exception>
    public static async Task<(long Rows, IReadOnlyDictionary<string, string> Metadata)> ReadFooterAsync(string path, CancellationToken cancellation = default)
    {
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellation);
            CheckSchema(reader.Schema, path);
            return (reader.RowGroups.Sum(g => g.RowCount), reader.CustomMetadata);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException or ArgumentException && e is not FileNotFoundException)
        {
            throw new InvalidDataException($"'{path}' is not a readable Parquet file of embeddings: {e.Message}", e);
        }
    }

    /// <summary>Reads every row of a file: row numbers, flattened vectors, token counts, truncation and window counts.</summary>
    /// <exception cref="InvalidDataException">The file is not a Parquet file this class wrote (the message names it).</exception>
    public static async Task<EmbeddingRows> ReadAsync(string path, CancellationToken cancellation = default)
    {
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellation);
            CheckSchema(reader.Schema, path);
            var shape = reader.CustomMetadata.TryGetValue(ShapeKey, out var text)
                ? text.Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray()
                : throw new InvalidDataException($"'{path}' has no {ShapeKey} metadata: it was not written by bert-mlnet.");
            var width = shape.Aggregate(1, (a, b) => checked(a * b));
            var rows = new List<long>();
            var vectors = new List<float>();
            var tokens = new List<int>();
            var truncated = new List<bool>();
            var windows = new List<int>();
            foreach (var group in reader.RowGroups)
            {
                var count = checked((int)group.RowCount);
                rows.AddRange(await Column<long>(group, reader.Schema.DataFields[0], count, cancellation));
                var values = new float[checked(count * width)];
                await group.ReadAsync<float>(reader.Schema.DataFields[1], values, null, cancellation);
                vectors.AddRange(values);
                tokens.AddRange(await Column<int>(group, reader.Schema.DataFields[2], count, cancellation));
                truncated.AddRange(await Column<bool>(group, reader.Schema.DataFields[3], count, cancellation));
                windows.AddRange(await Column<int>(group, reader.Schema.DataFields[4], count, cancellation));
            }

            return new EmbeddingRows([.. rows], [.. vectors], shape, [.. tokens], [.. truncated], [.. windows], reader.CustomMetadata);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException or ArgumentException && e is not FileNotFoundException)
        {
            throw new InvalidDataException($"'{path}' is not a readable Parquet file of embeddings: {e.Message}", e);
        }
    }

    private static async Task<T[]> Column<T>(ParquetRowGroupReader group, DataField field, int count, CancellationToken cancellation)
        where T : struct
    {
        var values = new T[count];
        await group.ReadAsync<T>(field, values, null, cancellation);
        return values;
    }

    private static void CheckSchema(ParquetSchema schema, string path)
    {
        var names = schema.DataFields.Select(f => f.Name).ToArray();
        if (!names.SequenceEqual(["row", "element", "token_count", "truncated", "windows"]))
        {
            throw new InvalidDataException(
                $"'{path}' has columns {string.Join(", ", names)}; expected row, embedding, token_count, truncated, windows.");
        }
    }
}

/// <summary>The rows of an embeddings Parquet file.</summary>
/// <param name="Rows">Each row's input row number.</param>
/// <param name="Vectors">The vectors, row after row, each of <see cref="Width"/> values.</param>
/// <param name="Shape">Each row's vector shape.</param>
/// <param name="TokenCounts">Tokens each row's text had.</param>
/// <param name="Truncated">Whether each row's text was cut to the model's length.</param>
/// <param name="Windows">Windows each row's text was split into (1 unless long texts are windowed).</param>
/// <param name="Metadata">The file's metadata.</param>
public sealed record EmbeddingRows(
    long[] Rows, float[] Vectors, int[] Shape, int[] TokenCounts, bool[] Truncated, int[] Windows, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>Values per row.</summary>
    public int Width => Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Row <paramref name="index"/>'s vector.</summary>
    public ReadOnlySpan<float> this[int index] => Vectors.AsSpan(index * Width, Width);
}
