using System.Diagnostics;

namespace Bert.MLNet.Cluster;

/// <summary>The input of a job: how many rows, what identifies the file they come from, and a reader of row ranges.</summary>
/// <param name="Path">The file as given.</param>
/// <param name="Column">The column read, for a TSV or CSV file.</param>
/// <param name="Rows">Rows in the input.</param>
/// <param name="Bytes">The file's size.</param>
/// <param name="Sha256">The file's SHA-256, lower-case hex.</param>
/// <param name="ReadRows">The texts of <c>count</c> rows from row <c>first</c> (a shard's start), in input order.</param>
internal sealed record JobInput(string Path, string? Column, long Rows, long Bytes, string Sha256, Func<long, int, string[]> ReadRows)
{
    /// <summary>An input already in memory.</summary>
    internal static JobInput InMemory(string path, string? column, IReadOnlyList<string> texts, long bytes, string sha256) =>
        new(path, column, texts.Count, bytes, sha256, (first, count) => [.. texts.Skip(checked((int)first)).Take(count)]);
}

/// <summary>How far a job is.</summary>
/// <param name="Done">Shards done, including those an earlier run did.</param>
/// <param name="Shards">Shards in the job.</param>
/// <param name="Redone">Shards started again because the silo running them was lost.</param>
/// <param name="Silo">The silo that did the shard just done, or null.</param>
internal readonly record struct JobProgress(int Done, int Shards, int Redone, string? Silo = null);

/// <summary>What a job did.</summary>
/// <param name="Manifest">The final manifest.</param>
/// <param name="Resumed">Shards an earlier run had done.</param>
/// <param name="Redone">Shards started again because the silo running them was lost.</param>
/// <param name="ShardsPerSilo">Shards this run had embedded, by silo.</param>
/// <param name="Elapsed">This run's time.</param>
internal sealed record JobSummary(JobManifest Manifest, int Resumed, int Redone, IReadOnlyDictionary<string, int> ShardsPerSilo, TimeSpan Elapsed);

/// <summary>
/// Runs a corpus embedding job on a cluster, from its client: plans shards by row range, reads each shard's rows only
/// when it is sent (so the corpus need not fit in the client's memory), keeps two shards per live silo in flight, redoes a shard whose silo is lost, records each shard in the manifest as it is done, and resumes a
/// job an earlier client left from that manifest and the parts already written.
/// </summary>
internal sealed class ClusterJob(IClusterClient client)
{
    /// <summary>The longest a shard goes without any silo answering for it before the job gives up.</summary>
    internal static TimeSpan LostClusterTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest shard payload in UTF-16 characters: Orleans refuses messages over 100 MB.</summary>
    internal const long MaxShardChars = 32L << 20;

    private static readonly TimeSpan ManifestInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(5);

    /// <summary>The model the cluster serves, from whichever silo answers.</summary>
    internal async Task<ServedModelInfo> DescribeAsync(CancellationToken cancellation)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await client.GetGrain<IServedModelGrain>(0).Describe().WaitAsync(cancellation);
            }
            catch (Exception e) when (IsClusterFault(e) && started.Elapsed < LostClusterTimeout)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
            }
        }
    }

    /// <summary>Runs the job to the end, writing <paramref name="folder"/>.</summary>
    /// <exception cref="ArgumentException">The folder holds another job, or a shard is too large to send.</exception>
    /// <exception cref="InvalidOperationException">A shard cannot be embedded, or no silo answered for too long (the message says which).</exception>
    /// <exception cref="OperationCanceledException">Cancelled: the manifest records what was done, and a rerun resumes.</exception>
    internal async Task<JobSummary> RunAsync(
        JobInput input, JobSettings settings, string folder, int shardRows, IProgress<JobProgress>? progress, CancellationToken cancellation)
    {
        if (shardRows < 1)
        {
            throw new ArgumentException($"--shard-rows is {shardRows}; it must be at least 1.");
        }

        var clock = Stopwatch.StartNew();

        // This run's own name for its shards' activations.
        var run = Guid.NewGuid().ToString("N")[..12];
        var planned = JobManifest.Plan(input.Path, input.Column, input.Bytes, input.Sha256, settings, input.Rows, shardRows);
        var parts = PartsFolder.Open(folder, planned, "--output");
        var absolute = Path.GetFullPath(folder);
        var resumed = parts.Manifest.Done.Count;
        var done = parts.Manifest.Done.Select(r => r.Shard).ToHashSet();
        var todo = new Queue<int>();
        for (var shard = 0; shard < planned.Shards; shard++)
        {
            if (done.Contains(shard))
            {
                continue;
            }

            if (await parts.FindWrittenAsync(shard, cancellation) is { } written)
            {
                parts.Record(written);
                resumed++;
                continue;
            }

            todo.Enqueue(shard);
        }

        parts.Save();
        var perSilo = new Dictionary<string, int>();
        var redone = 0;
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = new List<Task<ShardRecord>>();
        var lastSave = Stopwatch.StartNew();
        var window = await WindowAsync(cancellation);
        var windowAge = Stopwatch.StartNew();
        try
        {
            progress?.Report(new JobProgress(parts.Manifest.Done.Count, planned.Shards, 0));
            while (todo.Count > 0 || running.Count > 0)
            {
                if (windowAge.Elapsed > TimeSpan.FromSeconds(5))
                {
                    window = await WindowAsync(failed.Token);
                    windowAge.Restart();
                }

                while (running.Count < window && todo.TryDequeue(out var shard))
                {
                    running.Add(RunShardAsync(planned, input, shard, absolute, run, () => Interlocked.Increment(ref redone), failed.Token));
                }

                var finished = await Task.WhenAny(running);
                running.Remove(finished);
                var record = await finished;
                parts.Record(record);
                perSilo[record.Silo] = perSilo.GetValueOrDefault(record.Silo) + 1;
                progress?.Report(new JobProgress(parts.Manifest.Done.Count, planned.Shards, redone, record.Silo));
                if (lastSave.Elapsed > ManifestInterval)
                {
                    parts.Save();
                    lastSave.Restart();
                }
            }
        }
        catch
        {
            await failed.CancelAsync();
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            foreach (var finished in running.Where(t => t.IsCompletedSuccessfully))
            {
                parts.Record(finished.Result);
            }

            parts.Save();
            throw;
        }

        parts.Save(complete: true);
        parts.SweepTemporaries();
        return new JobSummary(parts.Manifest, resumed, redone, perSilo, clock.Elapsed);
    }

    private async Task<int> WindowAsync(CancellationToken cancellation)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellation);
            return Math.Max(2, 2 * hosts.Count);
        }
        catch (Exception e) when (IsClusterFault(e))
        {
            return 2;
        }
    }

    private async Task<ShardRecord> RunShardAsync(JobManifest job, JobInput input, int shard, string folder, string run, Action lost, CancellationToken cancellation)
    {
        var (first, rows) = job.Range(shard);
        var texts = input.ReadRows(first, rows);
        if (texts.Length != rows)
        {
            throw new InvalidDataException($"'{input.Path}' has {first + texts.Length} rows, not the {job.Rows} it had when the job started: it changed during the job.");
        }

        var chars = texts.Sum(t => (long)t.Length);
        if (chars > MaxShardChars)
        {
            throw new ArgumentException(rows == 1
                ? $"'{input.Path}' row {first} (counted from 0, as the parts' row column) is one text of {chars:N0} characters, more than the {MaxShardChars:N0} one message carries; split it."
                : $"--shard-rows {job.ShardRows}: shard {shard} (rows {first}..{first + rows - 1}, counted from 0) holds {chars:N0} characters, more than the {MaxShardChars:N0} one message carries; use fewer rows per shard.");
        }

        var work = new ShardWork(job.Job, shard, first, texts, job.Settings, folder);

        // Keyed by this run too: an activation an earlier client left (cancelled, killed, or writing another folder)
        // still holds that run's outcome, which says nothing about this folder.
        var attempt = 0;
        IShardGrain Grain() => client.GetGrain<IShardGrain>($"{job.Job}/{shard}/{run}/{attempt}");
        var grain = Grain();
        var started = false;
        var redone = false;
        var answered = Stopwatch.StartNew();
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                var status = await grain.Wait(WaitSlice).WaitAsync(cancellation);
                answered.Restart();
                switch (status.State)
                {
                    case ShardState.NotStarted:
                        if (started && !redone)
                        {
                            redone = true;
                            lost();
                        }

                        if (started)
                        {
                            // Its silo is stopping or gone: give the cluster a moment to place it elsewhere.
                            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellation);
                        }

                        await grain.Start(work).WaitAsync(cancellation);
                        started = true;
                        break;
                    case ShardState.Done:
                        await ReleaseAsync(grain);
                        if (!await PartsFolder.IsWrittenAsync(folder, shard, job.Job, first, rows, cancellation))
                        {
                            // Done, but its part is not in this folder (removed while the job ran): do it again.
                            attempt++;
                            grain = Grain();
                            started = false;
                            break;
                        }

                        return new ShardRecord(shard, PartsFolder.PartName(shard), first, rows, status.Tokens, status.Truncated, status.Silo ?? "?");
                    case ShardState.Failed:
                        await ReleaseAsync(grain);
                        throw new InvalidOperationException($"shard {shard} (input rows {first}..{first + rows - 1}) failed on {status.Silo}: {status.Message}");
                }
            }
            catch (Exception e) when (IsClusterFault(e) && !cancellation.IsCancellationRequested)
            {
                if (answered.Elapsed > LostClusterTimeout)
                {
                    throw new InvalidOperationException(
                        $"no silo has answered for shard {shard} for {LostClusterTimeout.TotalSeconds:F0} s ({e.Message}); is a 'bert-mlnet silo' running against this --redis?", e);
                }

                // The silo holding the shard is gone or going: once it is declared dead, the next call starts the shard elsewhere.
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellation);
            }
        }
    }

    private static async Task ReleaseAsync(IShardGrain grain)
    {
        try
        {
            await grain.Release();
        }
        catch (Exception e) when (IsClusterFault(e))
        {
            // The outcome is recorded; an activation left behind is collected when idle.
        }
    }

    private static bool IsClusterFault(Exception e) => e is OrleansException or TimeoutException or SiloUnavailableException or OrleansMessageRejectionException;
}
