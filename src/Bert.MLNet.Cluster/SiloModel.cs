using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Bert.MLNet.Cluster;

/// <summary>
/// The one model a silo loads, shared by every shard placed there. Shards take it one at a time: one shard's batches
/// already use every core the model's session has, so a second would only make both slower.
/// </summary>
internal sealed class SiloModel : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly CancellationTokenSource stopping = new();

    /// <param name="model">The loaded model; disposed with this.</param>
    /// <param name="source">The model as the silo was given it (a name or a path).</param>
    /// <param name="precision">The precision jobs get unless they ask for another.</param>
    internal SiloModel(BertModel model, string source, Precision precision)
    {
        Model = model;
        Source = source;
        Precision = precision;
        Identity = IdentityOf(model);
    }

    /// <summary>The loaded model.</summary>
    internal BertModel Model { get; }

    /// <summary>The model as the silo was given it.</summary>
    internal string Source { get; }

    /// <summary>The silo's precision.</summary>
    internal Precision Precision { get; }

    /// <summary>What every silo of a job must share (<see cref="ServedModelInfo.Fingerprint"/>).</summary>
    internal string Identity { get; }

    /// <summary>What this silo serves, as <paramref name="silo"/>.</summary>
    internal ServedModelInfo Describe(string silo) =>
        new(Model.Name, Source, Identity, Precision, Model.Conventions.Pooling, Model.Conventions.Normalize, silo, Model.LayerCount, Model.MaxPositions,
            Model.DefaultMaxLength);

    /// <summary>Embeds a shard and writes its part, unless the part is already there; its status once it is.</summary>
    /// <exception cref="ArgumentException">The shard was planned for another model.</exception>
    /// <exception cref="OperationCanceledException">The silo is stopping or the grain went away: the shard is not done.</exception>
    internal async Task<ShardStatus> EmbedAsync(ShardWork work, string silo, CancellationToken cancellation)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, stopping.Token);
        var token = linked.Token;
        if (work.Settings.ModelFingerprint != Identity)
        {
            throw new ArgumentException(
                $"the job was planned for {work.Settings.Model} ({work.Settings.ModelFingerprint[..12]}) and silo {silo} serves {Model.Name} ({Identity[..12]}; " +
                "its ONNX file or its tokenizer differs): run every silo with one --model.");
        }

        if (await PartsFolder.IsWrittenAsync(work.OutputFolder, work.Shard, work.Job, work.FirstRow, work.Texts.Length, token))
        {
            return new ShardStatus(ShardState.Done, silo, work.Texts.Length, Tokens: -1, Truncated: -1);
        }

        await turn.WaitAsync(token);
        try
        {
            // Rows numbered as in the input, so that an error names the row the user would look for.
            var result = Model.EmbedRows(work.Texts, work.Settings.ToOptions(), work.FirstRow, progress: null, token);
            var metadata = new Dictionary<string, string>
            {
                [EmbeddingParquet.JobKey] = work.Job,
                [EmbeddingParquet.ModelKey] = Model.Name,
            };
            await PartsFolder.PublishAsync(work.OutputFolder, work.Shard, s => EmbeddingParquet.WriteAsync(s, result, work.FirstRow, metadata, token), token);
            return new ShardStatus(ShardState.Done, silo, result.Count, result.TokenCounts.Sum(c => (long)c), result.Truncated.Count(t => t), Shape: [.. result.Shape]);
        }
        finally
        {
            turn.Release();
        }
    }

    // The ONNX file's fingerprint alone would let a silo whose vocabulary or lowercasing differs write other numbers.
    private static string IdentityOf(BertModel model)
    {
        var tokenizer = model.Tokenizer;
        var text = new StringBuilder(model.Fingerprint).Append('\n').Append(JsonSerializer.Serialize(tokenizer.Options)).Append('\n');
        for (var id = 0; id < tokenizer.VocabularySize; id++)
        {
            text.Append(tokenizer.GetToken(id)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Cancels the running shard as soon as the silo starts stopping, so that it is redone on a silo that stays.</summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloModel), ServiceLifecycleStage.Active, _ => Task.CompletedTask, _ => stopping.CancelAsync());

    /// <summary>Stops what is running (the silo is going), then frees the model once no shard uses it.</summary>
    public void Dispose()
    {
        stopping.Cancel();

        // A shard stops at its next batch; its session must not be freed under it. One that never stops keeps it.
        if (turn.Wait(TimeSpan.FromSeconds(30)))
        {
            Model.Dispose();
        }
    }
}
