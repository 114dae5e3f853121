namespace Bert.MLNet;

/// <summary>The limits an <see cref="EmbeddingBatcher"/> works under, and where it reports each run.</summary>
public sealed record EmbeddingBatcherOptions
{
    /// <summary>
    /// Most tokens (special tokens included, padding not) one model run takes from all the calls it serves; also the
    /// most one call may bring. Default 16,384, as text-embeddings-inference's <c>--max-batch-tokens</c>.
    /// </summary>
    public int MaxBatchTokens { get; init; } = 16_384;

    /// <summary>Most calls waiting or running at once; a call beyond it is refused. Default 512, as text-embeddings-inference's <c>--max-concurrent-requests</c>.</summary>
    public int MaxConcurrentRequests { get; init; } = 512;

    /// <summary>Called on the batcher's worker after each run, before its callers get their results (for metrics); it must not block.</summary>
    public Action<EmbeddingBatchRun>? BatchRan { get; init; }
}

/// <summary>What one run of an <see cref="EmbeddingBatcher"/> served.</summary>
/// <param name="Requests">The calls whose texts ran together.</param>
/// <param name="Texts">Their texts.</param>
/// <param name="Tokens">Their tokens, special tokens included, padding not.</param>
/// <param name="Inference">The time the model took over them, pooling included.</param>
/// <param name="Queued">Each call's wait from being queued to the run's start, in the order of the calls.</param>
/// <param name="Tokenization">Each call's tokenization time, in the same order.</param>
public sealed record EmbeddingBatchRun(int Requests, int Texts, long Tokens, TimeSpan Inference, IReadOnlyList<TimeSpan> Queued, IReadOnlyList<TimeSpan> Tokenization);

/// <summary>Why an <see cref="EmbeddingBatcher"/> refused a call.</summary>
public enum EmbeddingRejection
{
    /// <summary><see cref="EmbeddingBatcherOptions.MaxConcurrentRequests"/> calls were already waiting or running.</summary>
    QueueFull,

    /// <summary>The call's own tokens exceed <see cref="EmbeddingBatcherOptions.MaxBatchTokens"/>.</summary>
    TooManyTokens,

    /// <summary>The batcher is being disposed.</summary>
    ShuttingDown,
}

/// <summary>An <see cref="EmbeddingBatcher"/> refused a call before running it; <see cref="Reason"/> says why.</summary>
public sealed class EmbeddingRejectedException : Exception
{
    /// <summary>A refusal for a reason, with the message a caller sees.</summary>
    public EmbeddingRejectedException(EmbeddingRejection reason, string message)
        : base(message) => Reason = reason;

    /// <summary>Why the call was refused.</summary>
    public EmbeddingRejection Reason { get; }
}
