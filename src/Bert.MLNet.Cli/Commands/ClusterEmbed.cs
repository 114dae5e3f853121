using System.Diagnostics;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Cluster;
using Bert.MLNet.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bert.MLNet.Cli.Commands;

/// <summary>
/// <c>bert-mlnet embed --redis HOST:PORT</c>: the job goes to the cluster's silos and this process waits for it,
/// writing <c>--output</c> as a folder of <c>part-NNNNN.parquet</c> with <c>_manifest.json</c>.
/// </summary>
/// <param name="Redis">The cluster's Redis.</param>
/// <param name="Model">The model asked for, or null for the one the silos serve.</param>
/// <param name="PrecisionGiven">Whether the options' precision was asked for, or is to be the silos'.</param>
/// <param name="ShardRows">Rows per shard.</param>
internal sealed record ClusterEmbed(string Redis, string? Model, bool PrecisionGiven, int ShardRows)
{
    /// <summary>Runs the job; 0 once every shard is done.</summary>
    internal static async Task<int> RunAsync(
        ClusterEmbed job, InputTexts input, string output, EmbeddingOptions options, EmbedCommand.ConventionChoices conventions, CancellationToken cancellation)
    {
        ClusterHosting.RedisConfiguration(job.Redis);
        if (job.ShardRows < 1)
        {
            throw new ArgumentException($"--shard-rows is {job.ShardRows}; it must be at least 1.");
        }

        if (Path.GetFullPath(output) == Path.GetFullPath(input.Path))
        {
            throw new ArgumentException($"--output '{output}' is the input; a cluster job writes a folder of Parquet parts.");
        }

        var texts = input.ForJob(job.ShardRows, cancellation);
        var builder = Host.CreateApplicationBuilder();
        // Failures are said in one line below; Orleans' and the host's own logs would repeat them with their stacks.
        builder.Logging.SetMinimumLevel(LogLevel.Error).AddFilter("Orleans", LogLevel.Critical).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.UseOrleansClient(client => client.UseBertCluster(job.Redis));
        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new IOException(
                $"--redis {job.Redis}: no silo of the cluster answered within {ClusterHosting.ClientConnectTimeout.TotalSeconds:F0} s ({e.GetBaseException().Message}); " +
                $"is Redis there, and a 'bert-mlnet silo --redis {job.Redis}' running?", e);
        }

        try
        {
            var cluster = new ClusterJob(host.Services.GetRequiredService<IClusterClient>());
            ServedModelInfo served;
            try
            {
                served = await cluster.DescribeAsync(cancellation);
            }
            catch (OrleansException e)
            {
                throw new IOException($"--redis {job.Redis}: no silo answered for {ClusterJob.LostClusterTimeout.TotalSeconds:F0} s ({e.Message}); is a 'bert-mlnet silo' running?", e);
            }

            if (job.Model is { } asked && !asked.Equals(served.Name, StringComparison.OrdinalIgnoreCase) && asked != served.Source)
            {
                throw new ArgumentException($"--model '{asked}': the cluster at {job.Redis} serves {served.Name} ('bert-mlnet silo --model' chooses it); leave --model out to use it.");
            }

            options = conventions.Apply(job.PrecisionGiven ? options : options with { Precision = served.Precision }, new ModelConventions(served.Pooling, served.Normalize, null, null));
            PerTokenOutput.Refuse(options.Pooling, "--pooling none", "Parquet parts", "use a pooling, or embed to .jsonl without --redis");

            // The checks every silo makes, made here: a bad option is one line naming it, before a folder is made.
            BertModel.CheckOptions(options, served.LayerCount, served.DefaultMaxLength, served.MaxPositions);

            var clock = Stopwatch.StartNew();
            var line = new ProgressLine(clock);
            var progress = new Progress<JobProgress>(p => line.Show(
                $"embedding on the cluster: {p.Done}/{p.Shards} shards{(p.Redone > 0 ? $", {p.Redone} redone" : string.Empty)}, {clock.Elapsed.TotalSeconds:F1} s", p.Done == p.Shards));
            JobSummary summary;
            try
            {
                summary = await cluster.RunAsync(texts, JobSettings.From(options, served), output, job.ShardRows, progress, cancellation);
            }
            catch (OperationCanceledException e) when (cancellation.IsCancellationRequested)
            {
                throw new ResumableCancellation($"{output}/{PartsFolder.ManifestName} records the shards done; the same command resumes from there", e, cancellation);
            }
            catch (InvalidOperationException e)
            {
                throw new IOException(e.Message, e);
            }

            line.Finish();
            var manifest = summary.Manifest;
            Console.Error.WriteLine(
                $"embedded {manifest.Rows} {input.Rows} in {manifest.Shards} shards into {output} (part-*.parquet, {PartsFolder.ManifestName}) with {served.Name} ({PrecisionOption.Name(options.Precision)}): " +
                (summary.ShardsPerSilo.Count == 0 ? "nothing left to do" : string.Join(", ", summary.ShardsPerSilo.OrderBy(p => p.Key).Select(p => $"{p.Value} on {p.Key}"))) +
                (summary.Resumed > 0 ? $"; {summary.Resumed} done by an earlier run" : string.Empty) +
                (summary.Redone > 0 ? $"; {summary.Redone} redone after their silo was lost" : string.Empty) +
                $"; {summary.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        finally
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stopping.Token);
        }
    }
}
