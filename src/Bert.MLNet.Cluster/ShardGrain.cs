using Orleans.Concurrency;
using Orleans.Placement;

namespace Bert.MLNet.Cluster;

/// <summary>
/// A shard's activation: runs the shard on its silo's <see cref="SiloModel"/> off the grain's turn, and answers how it
/// went. Placed where the fewest activations are, so a job's shards spread over the silos alive when each starts.
/// </summary>
[ActivationCountBasedPlacement]
internal sealed class ShardGrain(SiloModel model) : Grain, IShardGrain
{
    private readonly CancellationTokenSource abandon = new();
    private Task<ShardStatus>? work;

    public Task Start(ShardWork work)
    {
        this.work ??= Task.Run(() => model.EmbedAsync(work, RuntimeIdentity, abandon.Token));
        return Task.CompletedTask;
    }

    public async Task<ShardStatus> Wait(TimeSpan wait)
    {
        if (work is null)
        {
            return new ShardStatus(ShardState.NotStarted, RuntimeIdentity);
        }

        try
        {
            await work.WaitAsync(wait);
        }
        catch (TimeoutException)
        {
            return new ShardStatus(ShardState.Running, RuntimeIdentity);
        }
        catch (Exception) when (work.IsCompleted)
        {
            // Reported below, from the task itself.
        }

        if (work.IsCompletedSuccessfully)
        {
            return work.Result;
        }

        var error = work.Exception?.GetBaseException();
        if (error is null or OperationCanceledException)
        {
            // Cancelled by the silo stopping: not done, to be started again where a silo lives.
            work = null;
            return new ShardStatus(ShardState.NotStarted, RuntimeIdentity);
        }

        return new ShardStatus(ShardState.Failed, RuntimeIdentity, Message: error.Message);
    }

    public Task Release()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await abandon.CancelAsync();
        abandon.Dispose();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }
}

/// <summary>Answers <see cref="IServedModelGrain"/> on the silo the call lands on.</summary>
[StatelessWorker]
internal sealed class ServedModelGrain(SiloModel model) : Grain, IServedModelGrain
{
    public Task<ServedModelInfo> Describe() => Task.FromResult(model.Describe(RuntimeIdentity));
}
