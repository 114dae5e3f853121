using System.Buffers;
using System.Numerics.Tensors;
using Bert.MLNet.Embeddings;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet;

public sealed partial class BertModel
{
    /// <summary>
    /// Embeds texts: tokenizes, runs the model in length-sorted batches, pools the chosen layers (ignoring
    /// padding) and combines them, returning one embedding per text in input order. Long texts are truncated
    /// (and reported) or split into windows whose pooled vectors are merged — by their token-weighted mean,
    /// or element-wise maximum for <see cref="Pooling.Max"/>. Without options, the model's own conventions
    /// (<see cref="DefaultOptions"/>: for all-MiniLM-L6-v2, the last layer mean-pooled and normalized).
    /// </summary>
    /// <exception cref="ArgumentException">A text is null (the message names its row), or the options are invalid (the message names the option).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A selected layer is outside the model (the message gives the valid range).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; no partial result is returned.</exception>
    public EmbeddingResult Embed(IReadOnlyList<string> texts, EmbeddingOptions? options = null,
        IProgress<EmbeddingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        EmbedCore(texts, options, progress, cancellationToken, firstRow: 0);

    /// <summary>
    /// Embeds search queries: as <see cref="Embed"/>, with the model's query prompt (<see cref="ModelConventions.QueryPrefix"/>,
    /// such as snowflake-arctic-embed-xs's) put before each. Embed the documents searched with <see cref="Embed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A query is null (the message names its row), or the options are invalid.</exception>
    public EmbeddingResult EmbedQueries(IReadOnlyList<string> queries, EmbeddingOptions? options = null,
        IProgress<EmbeddingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var prompted = new string[queries.Count];
        for (var i = 0; i < prompted.Length; i++)
        {
            prompted[i] = queries[i] is { } query ? Conventions.Query(query) : throw new ArgumentException($"Query {i} is null.", nameof(queries));
        }

        return Embed(prompted, options, progress, cancellationToken);
    }

    // firstRow: the row number of texts[0] in a larger input, for messages.
    internal EmbeddingResult EmbedRows(IReadOnlyList<string> texts, EmbeddingOptions? options, long firstRow,
        IProgress<EmbeddingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        EmbedCore(texts, options, progress, cancellationToken, firstRow);

    private EmbeddingResult EmbedCore(IReadOnlyList<string> texts, EmbeddingOptions? options,
        IProgress<EmbeddingProgress>? progress, CancellationToken cancellationToken, long firstRow)
    {
        ArgumentNullException.ThrowIfNull(texts);
        options ??= DefaultOptions;
        var layers = options.Pooling == Pooling.FirstLastAverage ? [1, LayerCount] : options.Layers.Resolve(LayerCount);
        options.Validate(layers.Count);
        if (options.Pooling == Pooling.None && options.LongText == LongTextHandling.Window)
        {
            throw new ArgumentException("Per-token output (Pooling.None) needs LongText = Truncate: windows overlap, so their tokens would repeat.", nameof(options));
        }

        var maxLength = ResolveMaxLength(options);
        var (segments, tokenCounts, truncated, windowCounts) = Tokenize(texts, options, maxLength, firstRow);
        var width = HiddenSize;
        var combine = options.Pooling == Pooling.FirstLastAverage ? LayerCombination.Mean : options.Combine;
        var perLayer = RunAll(segments, layers, [options.Pooling], options, progress, cancellationToken)[0];
        return options.Pooling == Pooling.None
            ? PerTokenResult(texts.Count, segments, perLayer, layers.Count, width, combine, options, tokenCounts, truncated, windowCounts)
            : PooledResult(texts.Count, segments, perLayer, layers.Count, width, combine, options.Pooling, options, tokenCounts, truncated, windowCounts);
    }

    // How many encodings (texts or windows) the model has run, for tests that count forward passes.
    private long encodingsRun;

    internal long EncodingsRun => Interlocked.Read(ref encodingsRun);

    /// <summary>
    /// Every hidden state of each text, pooled every way in <paramref name="poolings"/> from one model run per batch:
    /// one result per pooling, each <c>[layers + 1, hidden]</c> per text (as <see cref="LayerCombination.Separate"/>
    /// gives). The layer selection, combination and pooling of <paramref name="options"/> are not used.
    /// </summary>
    internal EmbeddingResult[] EmbedEveryLayer(IReadOnlyList<string> texts, EmbeddingOptions options, IReadOnlyList<Pooling> poolings,
        IProgress<EmbeddingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (poolings.Any(p => p is Pooling.None or Pooling.FirstLastAverage))
        {
            throw new ArgumentException("Every-layer pooling takes Cls, Mean, Max and MeanSqrtLen (first-last-avg is the mean of layers 1 and N of Mean).", nameof(poolings));
        }

        var all = options with { Layers = LayerSelection.All, Combine = LayerCombination.Separate };
        IReadOnlyList<int> layers = [.. Enumerable.Range(0, LayerCount + 1)];
        all.Validate(layers.Count);
        var (segments, tokenCounts, truncated, windowCounts) = Tokenize(texts, all, ResolveMaxLength(all), 0);
        var pooled = RunAll(segments, layers, [.. poolings], all, progress, cancellationToken);
        return [.. poolings.Select((pooling, p) => PooledResult(texts.Count, segments, pooled[p], layers.Count, HiddenSize, LayerCombination.Separate, pooling,
            all, tokenCounts, truncated, windowCounts))];
    }

    // Runs every batch of segments once, pooling the chosen layers every way asked: [pooling][segment][layer × hidden].
    private float[][][] RunAll(List<Segment> segments, IReadOnlyList<int> layers, Pooling[] poolings, EmbeddingOptions options,
        IProgress<EmbeddingProgress>? progress, CancellationToken cancellationToken)
    {
        var perPooling = poolings.Select(_ => new float[segments.Count][]).ToArray();
        var outputNames = layers.Distinct().Select(HiddenStateOutput).ToArray();
        var outputIndex = layers.Select(l => Array.IndexOf(outputNames, HiddenStateOutput(l))).ToArray();
        var done = 0;
        long tokens = 0;
        foreach (var batch in Batcher.Plan(segments, options.BatchSize, options.TokenBudget))
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch(segments, batch, outputNames, outputIndex, poolings, perPooling, options.Precision, cancellationToken);
            Interlocked.Add(ref encodingsRun, batch.Length);
            done += batch.Length;
            tokens += batch.Sum(i => (long)segments[i].Ids.Length);
            progress?.Report(new EmbeddingProgress(done, segments.Count, tokens));
        }

        return perPooling;
    }

    private (List<Segment> Segments, int[] TokenCounts, bool[] Truncated, int[] WindowCounts) Tokenize(
        IReadOnlyList<string> texts, EmbeddingOptions options, int maxLength, long firstRow)
    {
        var encoder = Encoder(options, maxLength);
        var segments = new List<Segment>(texts.Count);
        var tokenCounts = new int[texts.Count];
        var truncated = new bool[texts.Count];
        var windowCounts = new int[texts.Count];
        for (var row = 0; row < texts.Count; row++)
        {
            var text = texts[row] ?? throw new ArgumentException($"Text at row {firstRow + row} is null; every row needs a string (use \"\" for empty).", nameof(texts));
            var (encodings, tokenCount, cut) = encoder.Encode(text, firstRow + row);
            foreach (var ids in encodings)
            {
                segments.Add(new Segment(row, ids));
            }

            tokenCounts[row] = tokenCount;
            truncated[row] = cut;
            windowCounts[row] = encodings.Length;
        }

        return (segments, tokenCounts, truncated, windowCounts);
    }

    // The encoding length for options, checked against the model's positions and the window stride.
    internal int ResolveMaxLength(EmbeddingOptions options)
    {
        var maxLength = options.MaxLength ?? DefaultMaxLength;
        if (maxLength > MaxPositions)
        {
            throw new ArgumentOutOfRangeException(nameof(options), maxLength,
                $"{nameof(EmbeddingOptions.MaxLength)} is {maxLength} but the model's position embeddings cover {MaxPositions} tokens.");
        }

        if (options.LongText == LongTextHandling.Window && options.Stride >= maxLength - 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Stride,
                $"{nameof(EmbeddingOptions.Stride)} is {options.Stride} but windows of {maxLength} tokens hold {maxLength - 2} besides [CLS] and [SEP]; " +
                $"the stride must be below {maxLength - 2} so each window moves forward.");
        }

        return maxLength;
    }

    // The encoder for options: their tokenizer, or the model's own.
    internal TextEncoder Encoder(EmbeddingOptions options, int maxLength) =>
        new(options.Tokenizer ?? Tokenizer, maxLength, options.LongText, options.Stride, EmbeddingRows);

    // Runs one batch and pools each segment's layers every way asked (perPooling[p][segment]), from the same outputs.
    private void RunBatch(List<Segment> segments, int[] batch, string[] outputNames, int[] outputIndex, Pooling[] poolings,
        float[][][] perPooling, Precision precision, CancellationToken cancellationToken)
    {
        var rows = batch.Length;
        var length = batch.Max(i => segments[i].Ids.Length);
        var size = rows * length;
        var ids = ArrayPool<long>.Shared.Rent(size);
        var mask = ArrayPool<long>.Shared.Rent(size);
        var types = ArrayPool<long>.Shared.Rent(size);
        try
        {
            ids.AsSpan(0, size).Fill(Tokenizer.PaddingId);
            mask.AsSpan(0, size).Clear();
            types.AsSpan(0, size).Clear();
            for (var r = 0; r < rows; r++)
            {
                var source = segments[batch[r]].Ids;
                var target = ids.AsSpan(r * length, source.Length);
                for (var t = 0; t < source.Length; t++)
                {
                    target[t] = source[t];
                }

                mask.AsSpan(r * length, source.Length).Fill(1);
            }

            long[] shape = [rows, length];
            var names = new List<string>(3) { Inputs.InputIds };
            var values = new List<OrtValue>(3) { OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ids.AsMemory(0, size), shape) };
            if (Inputs.AttentionMask is { } maskName)
            {
                names.Add(maskName);
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, mask.AsMemory(0, size), shape));
            }

            if (Inputs.TokenTypeIds is { } typeName)
            {
                names.Add(typeName);
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, types.AsMemory(0, size), shape));
            }

            using var outputs = Run(SessionFor(precision), names, values, outputNames, cancellationToken);
            var width = HiddenSize;
            for (var p = 0; p < poolings.Length; p++)
            {
                var pooling = poolings[p];
                for (var r = 0; r < rows; r++)
                {
                    var tokens = segments[batch[r]].Ids.Length;
                    var result = pooling == Pooling.None ? new float[outputIndex.Length * tokens * width] : new float[outputIndex.Length * width];
                    for (var l = 0; l < outputIndex.Length; l++)
                    {
                        var states = outputs[outputIndex[l]].GetTensorDataAsSpan<float>().Slice(r * length * width, tokens * width);
                        if (pooling == Pooling.None)
                        {
                            states.CopyTo(result.AsSpan(l * tokens * width));
                        }
                        else
                        {
                            Pooler.Pool(states, tokens, width, pooling, result.AsSpan(l * width, width));
                        }
                    }

                    perPooling[p][batch[r]] = result;
                }
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(ids);
            ArrayPool<long>.Shared.Return(mask);
            ArrayPool<long>.Shared.Return(types);
        }
    }

    // One session run; cancelling the token terminates it inside ONNX Runtime. The inputs are disposed here.
    private static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, List<string> names, List<OrtValue> values, string[] outputNames, CancellationToken cancellationToken)
    {
        try
        {
            using var runOptions = new RunOptions();
            using var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(() => runOptions.Terminate = true) : default;
            try
            {
                return session.Run(runOptions, names, values, outputNames);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The ONNX Runtime run was cancelled.", cancellationToken);
            }
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private static EmbeddingResult PooledResult(int count, List<Segment> segments, float[][] perLayer, int layers, int width,
        LayerCombination combine, Pooling pooling, EmbeddingOptions options, int[] tokenCounts, bool[] truncated, int[] windowCounts)
    {
        // Merge windows per text, per layer: token-weighted mean, or element-wise maximum for max pooling.
        var merged = new float[count][];
        var weights = new float[count];
        for (var s = 0; s < segments.Count; s++)
        {
            var row = segments[s].Row;
            var vector = perLayer[s];
            if (merged[row] is not { } target)
            {
                merged[row] = pooling == Pooling.Max ? vector : Scaled(vector, segments[s].Ids.Length);
                weights[row] = segments[s].Ids.Length;
            }
            else if (pooling == Pooling.Max)
            {
                TensorPrimitives.Max(target, vector, target);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(vector, segments[s].Ids.Length, target, target);
                weights[row] += segments[s].Ids.Length;
            }
        }

        var dimension = combine is LayerCombination.Concat or LayerCombination.Separate ? layers * width : width;
        var data = new float[count * dimension];
        for (var row = 0; row < count; row++)
        {
            if (pooling != Pooling.Max)
            {
                TensorPrimitives.Divide(merged[row], weights[row], merged[row]);
            }

            var output = data.AsSpan(row * dimension, dimension);
            Pooler.Combine(merged[row], layers, width, combine, options.LayerWeights, output);
            if (options.Normalize)
            {
                var blocks = combine == LayerCombination.Separate ? layers : 1;
                for (var b = 0; b < blocks; b++)
                {
                    Pooler.Normalize(output.Slice(b * (dimension / blocks), dimension / blocks));
                }
            }
        }

        int[] shape = combine == LayerCombination.Separate ? [layers, width] : [dimension];
        return new EmbeddingResult(data, count, shape, null, tokenCounts, truncated, windowCounts);

        static float[] Scaled(float[] vector, float weight)
        {
            TensorPrimitives.Multiply(vector, weight, vector);
            return vector;
        }
    }

    private static EmbeddingResult PerTokenResult(int count, List<Segment> segments, float[][] perLayer, int layers, int width,
        LayerCombination combine, EmbeddingOptions options, int[] tokenCounts, bool[] truncated, int[] windowCounts)
    {
        var dimension = combine is LayerCombination.Concat or LayerCombination.Separate ? layers * width : width;
        var vectors = new float[count][];
        var gathered = new float[layers * width];
        for (var s = 0; s < segments.Count; s++)
        {
            var tokens = segments[s].Ids.Length;
            var states = perLayer[s];
            var output = new float[tokens * dimension];
            for (var t = 0; t < tokens; t++)
            {
                for (var l = 0; l < layers; l++)
                {
                    states.AsSpan((l * tokens + t) * width, width).CopyTo(gathered.AsSpan(l * width));
                }

                var target = output.AsSpan(t * dimension, dimension);
                Pooler.Combine(gathered, layers, width, combine, options.LayerWeights, target);
                if (options.Normalize)
                {
                    Pooler.Normalize(target);
                }
            }

            vectors[segments[s].Row] = output;
        }

        return new EmbeddingResult([], count, [-1, dimension], vectors, tokenCounts, truncated, windowCounts);
    }
}
