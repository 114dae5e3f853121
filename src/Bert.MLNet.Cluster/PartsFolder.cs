using System.Globalization;
using System.Text.Json;

namespace Bert.MLNet.Cluster;

/// <summary>
/// A job's output folder: <c>part-NNNNN.parquet</c> per shard, each written once (to a hidden temporary sibling, then
/// linked into place only if no part of that name is there yet), and <c>_manifest.json</c>, replaced whole by rename.
/// Parquet readers skip names starting with <c>_</c> or <c>.</c>, so <c>read_parquet('DIR/*.parquet')</c> sees the parts only.
/// </summary>
internal sealed class PartsFolder
{
    internal const string ManifestName = "_manifest.json";

    private readonly string path;
    private readonly object gate = new();
    private JobManifest manifest;

    private PartsFolder(string path, JobManifest manifest)
    {
        this.path = path;
        this.manifest = manifest;
    }

    /// <summary>The job as recorded, with the shards done so far.</summary>
    internal JobManifest Manifest
    {
        get
        {
            lock (gate)
            {
                return manifest;
            }
        }
    }

    /// <summary>The file name of shard <paramref name="shard"/>'s part.</summary>
    internal static string PartName(int shard) => $"part-{shard.ToString("D5", CultureInfo.InvariantCulture)}.parquet";

    /// <summary>
    /// Opens <paramref name="folder"/> for <paramref name="planned"/>: made if missing; if it holds this job's manifest,
    /// what that records as done is kept. A folder holding another job, or anything without a manifest, is refused.
    /// </summary>
    /// <exception cref="ArgumentException">The folder is a file, holds another job, or is not empty and has no manifest (the message names <paramref name="option"/>).</exception>
    internal static PartsFolder Open(string folder, JobManifest planned, string option)
    {
        if (File.Exists(folder))
        {
            throw new ArgumentException($"{option} '{folder}' is a file; a cluster job writes a folder of Parquet parts (or use --output F.parquet without --redis).");
        }

        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} '{folder}': the folder cannot be made there ({e.Message}); a cluster job writes a folder every silo can reach.", e);
        }

        var manifestPath = Path.Combine(folder, ManifestName);
        if (!File.Exists(manifestPath))
        {
            if (Directory.EnumerateFileSystemEntries(folder).Any(e => !IsTemporary(Path.GetFileName(e))))
            {
                throw new ArgumentException($"{option} '{folder}' is not empty and holds no {ManifestName}: choose a new or empty folder.");
            }

            var created = new PartsFolder(folder, planned);
            created.Save();
            return created;
        }

        JobManifest? recorded;
        try
        {
            using var stream = File.OpenRead(manifestPath);
            recorded = JsonSerializer.Deserialize<JobManifest>(stream, JobManifest.Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{option}: '{manifestPath}' is not a job manifest ({e.Message}); remove the folder or choose another.", e);
        }

        if (recorded is null || recorded.Format != JobManifest.FormatName)
        {
            throw new InvalidDataException($"{option}: '{manifestPath}' is not a {JobManifest.FormatName} manifest; remove the folder or choose another.");
        }

        if (recorded.Job != planned.Job)
        {
            throw new ArgumentException(
                $"{option} '{folder}' holds job {recorded.Job} ({recorded.Input}, {recorded.Rows} rows, {recorded.Settings.Model}) and this is job {planned.Job}: " +
                "the input, model or options differ. Choose another folder, or remove it to start over.");
        }

        // A recorded shard counts only while its part is there: one deleted since is planned again.
        var done = recorded.Done.Where(r => r.Shard >= 0 && r.Shard < planned.Shards && File.Exists(Path.Combine(folder, PartName(r.Shard))))
            .DistinctBy(r => r.Shard).OrderBy(r => r.Shard).ToList();
        return new PartsFolder(folder, planned with { Done = done });
    }

    // What a writer leaves when it dies before its rename: a part's or the manifest's temporary.
    private static bool IsTemporary(string name) =>
        name.EndsWith(".tmp", StringComparison.Ordinal)
        && (name.StartsWith(".part-", StringComparison.Ordinal) || name.StartsWith($".{ManifestName}.", StringComparison.Ordinal));

    /// <summary>
    /// Shard <paramref name="shard"/>'s part if it is already in the folder but not in the manifest (written by a silo
    /// after the last client that ran the job stopped), checked against the job; null if there is none.
    /// </summary>
    /// <exception cref="InvalidDataException">The file there is not this job's part for the shard.</exception>
    internal async Task<ShardRecord?> FindWrittenAsync(int shard, CancellationToken cancellation)
    {
        var (first, rows) = Manifest.Range(shard);
        return await IsWrittenAsync(path, shard, Manifest.Job, first, rows, cancellation)
            ? new ShardRecord(shard, PartName(shard), first, rows, Tokens: -1, Truncated: -1, Silo: "found")
            : null;
    }

    /// <summary>Whether <paramref name="folder"/> holds shard <paramref name="shard"/>'s part, checked against the job, first row and row count.</summary>
    /// <exception cref="InvalidDataException">The file there is not this job's part for the shard.</exception>
    internal static async Task<bool> IsWrittenAsync(string folder, int shard, string job, long firstRow, int rows, CancellationToken cancellation)
    {
        var file = Path.Combine(folder, PartName(shard));
        if (!File.Exists(file))
        {
            return false;
        }

        var (count, metadata) = await EmbeddingParquet.ReadFooterAsync(file, cancellation);
        var mismatch = !metadata.TryGetValue(EmbeddingParquet.JobKey, out var partJob) || partJob != job ? $"belongs to job {partJob ?? "(none)"}, not {job}"
            : !metadata.TryGetValue(EmbeddingParquet.FirstRowKey, out var first) || first != firstRow.ToString(CultureInfo.InvariantCulture) ? $"starts at row {first}, not {firstRow}"
            : count != rows ? $"holds {count} rows, not {rows}"
            : null;
        return mismatch is null ? true : throw new InvalidDataException($"'{file}' {mismatch}; remove it and run the job again.");
    }

    /// <summary>Records a shard as done (in memory; <see cref="Save"/> writes the manifest).</summary>
    internal void Record(ShardRecord record)
    {
        lock (gate)
        {
            if (manifest.Done.All(r => r.Shard != record.Shard))
            {
                manifest = manifest with { Done = [.. manifest.Done.Append(record).OrderBy(r => r.Shard)] };
            }
        }
    }

    /// <summary>Replaces the manifest by rename; <paramref name="complete"/> once every shard is done.</summary>
    internal void Save(bool complete = false)
    {
        JobManifest snapshot;
        lock (gate)
        {
            manifest = manifest with { Complete = complete };
            snapshot = manifest;
        }

        var target = Path.Combine(path, ManifestName);
        var temporary = Path.Combine(path, $".{ManifestName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(stream, snapshot, JobManifest.Json);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Deletes the temporary files silos that died left (called once no shard of the job is running).</summary>
    internal void SweepTemporaries()
    {
        foreach (var file in Directory.EnumerateFiles(path, ".part-*.tmp").Concat(Directory.EnumerateFiles(path, $".{ManifestName}.*.tmp")))
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Writes shard <paramref name="shard"/>'s part in <paramref name="folder"/> once: to a hidden temporary sibling,
    /// flushed to disk, then moved into place without replacing. False if a part of that name was already there
    /// (another attempt at the same shard won; its rows are the same), in which case this one is discarded.
    /// </summary>
    internal static async Task<bool> PublishAsync(string folder, int shard, Func<Stream, Task> write, CancellationToken cancellation)
    {
        var target = Path.Combine(folder, PartName(shard));
        var temporary = Path.Combine(folder, $".{PartName(shard)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await write(stream);
                await stream.FlushAsync(cancellation);
                stream.Flush(flushToDisk: true);
            }

            cancellation.ThrowIfCancellationRequested();
            if (File.Exists(target))
            {
                return false;
            }

            File.Move(temporary, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
