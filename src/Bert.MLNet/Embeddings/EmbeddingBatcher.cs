using System.Diagnostics;
using Bert.MLNet.Embeddings;

namespace Bert.MLNet;

/// <summary>
/// Embeds the texts of many concurrent callers in shared model runs: each call is encoded on the caller's thread and
/// queued; one worker waits while calls keep arriving (1 ms at a time, at most 4), then takes the oldest call and every later one that computes the same thing (precision, layers,
/// pooling) while their tokens fit <see cref="EmbeddingBatcherOptions.MaxBatchTokens"/>, runs them together in
/// length-sorted batches through the model's one session, and hands each caller its own result. A server answering
/// small requests gets the throughput of bulk embedding this way, as text-embeddings-inference's queue does.
/// </summary>
/// <remarks>
/// A call whose token is cancelled while it waits is dropped before it runs. A call is refused at once, not queued,
/// when <see cref="EmbeddingBatcherOptions.MaxConcurrentRequests"/> calls are already waiting or running, or when its
/// own tokens exceed <see cref="EmbeddingBatcherOptions.MaxBatchTokens"/>. Disposing stops taking calls and finishes
/// every call already taken. Thread-safe.
/// </remarks>
public sealed class EmbeddingBatcher : IAsyncDisposable
{
    private readonly BertModel model;
    private readonly LinkedList<Request> queue = new();
    private readonly Lock gate = new();
    private readonly SemaphoreSlim signal = new(0);
    private readonly Task worker;
    private int admitted;
    private bool stopping;
    private long dropped;

    /// <summary>Starts the batcher's worker for a loaded model, which the caller keeps and disposes after the batcher.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is below 1.</exception>
    public EmbeddingBatcher(BertModel model, EmbeddingBatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new EmbeddingBatcherOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchTokens, 2, nameof(EmbeddingBatcherOptions.MaxBatchTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentRequests, 1, nameof(EmbeddingBatcherOptions.MaxConcurrentRequests));
        this.model = model;
        Options = options;
        worker = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The limits the batcher works under.</summary>
    public EmbeddingBatcherOptions Options { get; }

    /// <summary>The calls taken and not yet run.</summary>
    public int QueueDepth
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>The calls taken and not finished: waiting or running.</summary>
    public int Admitted => Volatile.Read(ref admitted);

    /// <summary>How many calls were cancelled while they waited, and so never ran.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>
    /// Embeds the texts as <see cref="BertModel.Embed"/> does, in a model run shared with other callers' texts.
    /// The result is the one <see cref="BertModel.Embed"/> gives for the same texts and options, within float rounding.
    /// </summary>
    /// <exception cref="ArgumentException">A text is null, or the options are invalid (as for <see cref="BertModel.Embed"/>).</exception>
    /// <exception cref="EmbeddingRejectedException">Too many calls are waiting, the texts hold too many tokens, or the batcher is stopping.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before the texts ran.</exception>
    public Task<EmbeddingResult> EmbedAsync(IReadOnlyList<string> texts, EmbeddingOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Increment(ref admitted) > Options.MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref admitted);
            throw new EmbeddingRejectedException(EmbeddingRejection.QueueFull,
                $"{Options.MaxConcurrentRequests} requests are already waiting or running (the most allowed); try again later.");
        }

        var queued = false;
        try
        {
            var started = Stopwatch.GetTimestamp();
            var prepared = model.Prepare(texts, options ?? model.DefaultOptions, firstRow: 0);
            if (prepared.Tokens > Options.MaxBatchTokens)
            {
                throw new EmbeddingRejectedException(EmbeddingRejection.TooManyTokens,
                    $"The texts hold {prepared.Tokens} tokens, more than the {Options.MaxBatchTokens} one model run takes; send fewer or shorter texts.");
            }

            var request = new Request(prepared, Stopwatch.GetElapsedTime(started), cancellationToken);
            lock (gate)
            {
                if (stopping)
                {
                    throw new EmbeddingRejectedException(EmbeddingRejection.ShuttingDown, "The batcher is stopping and takes no more texts.");
                }

                request.Node = queue.AddLast(request);
                queued = true; // From here the call's slot is freed when it finishes (Finish), not below.
            }

            if (cancellationToken.CanBeCanceled)
            {
                request.Registration = cancellationToken.Register(static state =>
                {
                    var (batcher, request) = ((EmbeddingBatcher, Request))state!;
                    batcher.Cancel(request);
                }, (this, request));
                if (request.Finished)
                {
                    request.Registration.Dispose(); // It ran before the registration was made.
                }
            }

            signal.Release();
            return request.Completion.Task;
        }
        catch when (!queued)
        {
            Interlocked.Decrement(ref admitted);
            throw;
        }
    }

    /// <summary>Stops taking calls and waits until every call taken has finished.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            stopping = true;
        }

        signal.Release();
        await worker.ConfigureAwait(false);

        // The semaphore is not disposed: a caller queued just before stopping may still release it (it holds no handle).
    }

    // A waiting call whose token is cancelled leaves the queue; one already running finishes, unheard.
    private void Cancel(Request request)
    {
        lock (gate)
        {
            if (request.Node?.List is null)
            {
                return;
            }

            queue.Remove(request.Node);
        }

        Interlocked.Increment(ref dropped);
        Finish(request);
        request.Completion.TrySetCanceled(request.CancellationToken);
    }

    private void Work()
    {
        while (true)
        {
            signal.Wait();
            Gather();
            while (Take() is { } batch)
            {
                Run(batch);
            }

            lock (gate)
            {
                if (stopping && queue.Count == 0)
                {
                    return;
                }
            }
        }
    }

    // Waits while calls keep arriving (up to a few milliseconds), so that callers answered by one run, who send their
    // next calls together, share the next run instead of the first of them getting a run of its own.
    private void Gather()
    {
        for (var round = 0; round < 4; round++)
        {
            int before;
            lock (gate)
            {
                before = queue.Count;
            }

            Thread.Sleep(1);
            lock (gate)
            {
                if (queue.Count == before || stopping)
                {
                    return;
                }
            }
        }
    }

    // The oldest waiting call and every later one that computes the same thing, while their tokens fit one run.
    private List<Request>? Take()
    {
        lock (gate)
        {
            if (queue.First is not { } first)
            {
                return null;
            }

            var batch = new List<Request>();
            var key = first.Value.Key;
            long tokens = 0;
            for (var node = first; node is not null;)
            {
                var next = node.Next;
                var request = node.Value;
                if (request.Key == key && tokens + request.Prepared.Tokens <= Options.MaxBatchTokens)
                {
                    tokens += request.Prepared.Tokens;
                    queue.Remove(node);
                    batch.Add(request);
                }

                node = next;
            }

            return batch;
        }
    }

    private void Run(List<Request> batch)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // One list of every call's segments, rows numbered across calls, run in shared length-sorted batches.
            var segments = new List<Segment>(batch.Sum(r => r.Prepared.Segments.Count));
            var firstRow = new int[batch.Count];
            var rows = 0;
            for (var r = 0; r < batch.Count; r++)
            {
                firstRow[r] = rows;
                segments.AddRange(batch[r].Prepared.Segments.Select(s => s with { Row = rows + s.Row }));
                rows += batch[r].Prepared.Count;
            }

            var options = batch[0].Prepared.Options;
            var perSegment = model.RunnerFor(options.Precision).RunAll(segments, batch[0].Prepared.LayerOutputs, [options.Pooling],
                options.BatchSize, Options.MaxBatchTokens, progress: null, CancellationToken.None)[0];
            var inference = Stopwatch.GetElapsedTime(started);
            var offset = 0;
            var results = new EmbeddingResult[batch.Count];
            for (var r = 0; r < batch.Count; r++)
            {
                var count = batch[r].Prepared.Segments.Count;
                results[r] = batch[r].Prepared.Assemble(perSegment[offset..(offset + count)]);
                offset += count;
            }

            Options.BatchRan?.Invoke(new EmbeddingBatchRun(batch.Count, rows, batch.Sum(r => r.Prepared.Tokens), inference,
                [.. batch.Select(r => Stopwatch.GetElapsedTime(r.Queued, started))],
                [.. batch.Select(r => r.Tokenization)]));
            for (var r = 0; r < batch.Count; r++)
            {
                Finish(batch[r]);
                batch[r].Completion.TrySetResult(results[r]);
            }
        }
        catch (Exception e)
        {
            foreach (var request in batch)
            {
                Finish(request);
                request.Completion.TrySetException(e);
            }
        }
    }

    private void Finish(Request request)
    {
        request.Finished = true;
        request.Registration.Dispose();
        Interlocked.Decrement(ref admitted);
    }

    private sealed class Request(PreparedEmbedding prepared, TimeSpan tokenization, CancellationToken cancellationToken)
    {
        internal PreparedEmbedding Prepared => prepared;

        internal TimeSpan Tokenization => tokenization;

        internal CancellationToken CancellationToken => cancellationToken;

        internal long Queued { get; } = Stopwatch.GetTimestamp();

        // Calls share a run only when they run the same outputs in the same session and pool them alike.
        internal (Precision, string, Pooling) Key { get; } = (prepared.Options.Precision, string.Join('\n', prepared.LayerOutputs), prepared.Options.Pooling);

        internal TaskCompletionSource<EmbeddingResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal LinkedListNode<Request>? Node { get; set; }

        internal CancellationTokenRegistration Registration { get; set; }

        internal bool Finished { get => Volatile.Read(ref finished); set => Volatile.Write(ref finished, value); }

        private bool finished;
    }
}
