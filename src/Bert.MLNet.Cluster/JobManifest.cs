using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bert.MLNet.Cluster;

/// <summary>
/// <c>_manifest.json</c> of a job's output folder: what the job is (input, model, options, shards) and which shards
/// are done. A rerun with the same job finds it and embeds only the rest; a different job is refused the folder.
/// </summary>
internal sealed record JobManifest
{
    internal const string FormatName = "bert-mlnet-embedding-parts/1";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Which format this is.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>The job's identity: a hash of everything below but <see cref="Done"/> and <see cref="Complete"/>.</summary>
    public required string Job { get; init; }

    /// <summary>The input file as given.</summary>
    public required string Input { get; init; }

    /// <summary>The input column, for a TSV or CSV input.</summary>
    public string? Column { get; init; }

    /// <summary>The input's size in bytes.</summary>
    public required long InputBytes { get; init; }

    /// <summary>The input's SHA-256.</summary>
    public required string InputSha256 { get; init; }

    /// <summary>How the job embeds.</summary>
    public required JobSettings Settings { get; init; }

    /// <summary>Input rows.</summary>
    public required long Rows { get; init; }

    /// <summary>Rows per shard (the last may have fewer).</summary>
    public required int ShardRows { get; init; }

    /// <summary>
    /// Shards: ceiling of rows over shard rows, and one (of no rows) for an empty input, so that the folder holds a
    /// Parquet file with the columns, as one-process <c>embed</c> writes, and readers find a table to read.
    /// </summary>
    public int Shards => Rows == 0 ? 1 : checked((int)((Rows + ShardRows - 1) / ShardRows));

    /// <summary>The shards done, by shard number.</summary>
    public List<ShardRecord> Done { get; init; } = [];

    /// <summary>Every shard is done.</summary>
    public bool Complete { get; init; }

    /// <summary>A new job's manifest, its <see cref="Job"/> computed from the rest.</summary>
    internal static JobManifest Plan(string input, string? column, long inputBytes, string inputSha256, JobSettings settings, long rows, int shardRows)
    {
        var identity = JsonSerializer.Serialize(new { inputSha256, inputBytes, column, settings, rows, shardRows }, Json);
        var job = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16];
        return new JobManifest
        {
            Job = job, Input = input, Column = column, InputBytes = inputBytes, InputSha256 = inputSha256, Settings = settings, Rows = rows, ShardRows = shardRows,
        };
    }

    /// <summary>Shard <paramref name="shard"/>'s first row and row count.</summary>
    internal (long FirstRow, int Rows) Range(int shard)
    {
        var first = (long)shard * ShardRows;
        return (first, (int)Math.Min(ShardRows, Rows - first));
    }
}

/// <summary>
/// A shard done: its part file and what it holds. <see cref="Tokens"/> and <see cref="Truncated"/> are -1 for a part
/// a run found already written (by a silo that finished after its client stopped) rather than made; the part's own
/// columns have them.
/// </summary>
internal sealed record ShardRecord(int Shard, string File, long FirstRow, int Rows, long Tokens, int Truncated, string Silo);
