using Bert.MLNet.Cli.Data;
using Microsoft.ML;

namespace Bert.MLNet.Cli.Serving;

/// <summary>
/// What a server holds for its life: the embedding model with its batcher and the options its requests start from,
/// and the trained model.zip <c>/predict</c> answers with, if any. Loaded before the server listens, so a bad model
/// fails at start, not at the first request; disposed after the last request has been answered.
/// </summary>
internal sealed class ServedModels : IAsyncDisposable
{
    private ServedModels(ServeOptions options, BertModel model, MLContext ml, SavedModel? predictor)
    {
        Limits = options;
        Model = model;
        ML = ml;
        Predictor = predictor;
        Embeddings = model.DefaultOptions with { Precision = options.Precision };
        Dimensions = new BertEmbeddingGenerator(model, Embeddings).Dimensions;
        Metrics = new ServerMetrics(() => Batcher!);
        Batcher = new EmbeddingBatcher(model, new EmbeddingBatcherOptions
        {
            MaxBatchTokens = options.MaxBatchTokens,
            MaxConcurrentRequests = options.MaxConcurrentRequests,
            BatchRan = Metrics.BatchRan,
        });
    }

    internal ServeOptions Limits { get; }

    internal BertModel Model { get; }

    /// <summary>The options of a request that chooses nothing: the model's conventions, in the served precision.</summary>
    internal EmbeddingOptions Embeddings { get; }

    /// <summary>The length of the vectors a request that chooses nothing gets.</summary>
    internal int Dimensions { get; }

    internal EmbeddingBatcher Batcher { get; }

    internal SavedModel? Predictor { get; }

    internal MLContext ML { get; }

    internal ServerMetrics Metrics { get; }

    /// <exception cref="FileNotFoundException">A model is not where the options say.</exception>
    /// <exception cref="InvalidDataException">The model.zip is not one <c>train</c> wrote.</exception>
    internal static ServedModels Load(ServeOptions options, CancellationToken cancellation)
    {
        if (options.MaxBatchTokens < 2 || options.MaxConcurrentRequests < 1 || options.MaxRequestBytes < 1 || options.MaxInputs < 1)
        {
            throw new ArgumentException(
                options.MaxBatchTokens < 2 ? $"--max-batch-tokens is {options.MaxBatchTokens}; expected at least 2."
                : options.MaxConcurrentRequests < 1 ? $"--max-concurrent-requests is {options.MaxConcurrentRequests}; expected at least 1."
                : options.MaxRequestBytes < 1 ? $"--max-request-bytes is {options.MaxRequestBytes}; expected at least 1."
                : $"--max-inputs is {options.MaxInputs}; expected at least 1.");
        }

        var ml = new MLContext();
        var predictor = options.ModelZip is { } zip ? SavedModel.Load(ml, zip) : null;
        try
        {
            cancellation.ThrowIfCancellationRequested();
            var name = options.Model ?? predictor?.Info.Model ?? PretrainedModels.DefaultName;
            var model = BertModel.Load(name, new RuntimeOptions { IntraOpThreads = options.Threads });
            return new ServedModels(options, model, ml, predictor);
        }
        catch
        {
            predictor?.Dispose();
            throw;
        }
    }

    /// <summary>Finishes the requests the batcher has taken, then frees the models.</summary>
    public async ValueTask DisposeAsync()
    {
        await Batcher.DisposeAsync().ConfigureAwait(false);
        Model.Dispose();
        Predictor?.Dispose();
    }
}
