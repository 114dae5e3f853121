using Bert.MLNet.Embeddings;
using Bert.MLNet.Tokenizers;

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
            prompted[i] = queries[i] is { } query ? Conventions.Query(query) : throw BertErrors.Invalid(nameof(queries), $"Query {i} is null.");
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
        var prepared = Prepare(texts, options ?? DefaultOptions, firstRow);
        var perLayer = RunnerFor(prepared.Options.Precision).RunAll(prepared.Segments, prepared.LayerOutputs, [prepared.Options.Pooling],
            prepared.Options.BatchSize, prepared.Options.TokenBudget, progress, cancellationToken)[0];
        return prepared.Assemble(perLayer);
    }

    /// <summary>
    /// Checks the options and encodes the texts: everything before the model runs. <see cref="PreparedEmbedding.Assemble"/>
    /// turns the pooled layers of its segments into the result. <paramref name="firstRow"/> numbers the texts in messages.
    /// </summary>
    internal PreparedEmbedding Prepare(IReadOnlyList<string> texts, EmbeddingOptions options, long firstRow)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var (layers, maxLength) = CheckOptions(options, LayerCount, DefaultMaxLength, MaxPositions);
        var (segments, tokenCounts, truncated, windowCounts) = Tokenize(texts, options, maxLength, firstRow);
        return new PreparedEmbedding(texts.Count, options, [.. layers.Select(HiddenStateOutput)], HiddenSize, segments, tokenCounts, truncated, windowCounts);
    }

    // The runner for a precision: the float session made at load, or the int8 one made at its first use.
    internal GraphRunner RunnerFor(Precision precision) => precision == Precision.Int8 ? int8Runner.Value : runner;

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
            throw BertErrors.Invalid(nameof(poolings), "Every-layer pooling takes Cls, Mean, Max and MeanSqrtLen (first-last-avg is the mean of layers 1 and N of Mean).");
        }

        var all = options with { Layers = LayerSelection.All, Combine = LayerCombination.Separate };
        IReadOnlyList<int> layers = [.. Enumerable.Range(0, LayerCount + 1)];
        all.Validate(layers.Count);
        var (segments, tokenCounts, truncated, windowCounts) = Tokenize(texts, all, ResolveMaxLength(all), 0);
        var pooled = RunnerFor(all.Precision).RunAll(segments, [.. layers.Select(HiddenStateOutput)], [.. poolings], all.BatchSize, all.TokenBudget,
            progress, cancellationToken);
        return [.. poolings.Select((pooling, p) => EmbeddingResults.Pooled(texts.Count, segments, pooled[p], layers.Count, HiddenSize, LayerCombination.Separate, pooling,
            all, tokenCounts, truncated, windowCounts))];
    }

    private (List<Segment> Segments, int[] TokenCounts, bool[] Truncated, int[] WindowCounts) Tokenize(
        IReadOnlyList<string> texts, EmbeddingOptions options, int maxLength, long firstRow) =>
        Encoder(options, maxLength).EncodeAll(texts, firstRow);

    /// <summary>
    /// The checks <see cref="Prepare"/> makes of <paramref name="options"/> against a model of this shape, for a caller
    /// without the model (a cluster's client): the hidden states they select and the encoding length.
    /// </summary>
    internal static (IReadOnlyList<int> Layers, int MaxLength) CheckOptions(EmbeddingOptions options, int layerCount, int defaultMaxLength, int maxPositions)
    {
        var layers = options.Pooling == Pooling.FirstLastAverage ? [1, layerCount] : options.Layers.Resolve(layerCount);
        options.Validate(layers.Count);
        if (options.Pooling == Pooling.None && options.LongText == LongTextHandling.Window)
        {
            throw BertErrors.Invalid(nameof(options), "Per-token output (Pooling.None) needs LongText = Truncate: windows overlap, so their tokens would repeat.");
        }

        return (layers, ResolveMaxLength(options, defaultMaxLength, maxPositions));
    }

    // The encoding length for options, checked against the model's positions and the window stride.
    internal int ResolveMaxLength(EmbeddingOptions options) => ResolveMaxLength(options, DefaultMaxLength, MaxPositions);

    /// <summary>
    /// The encoding length for <paramref name="options"/> on a model of this default length and these positions, checked
    /// against the positions and the window stride: what <see cref="Embed"/> checks, for a caller without the model.
    /// </summary>
    internal static int ResolveMaxLength(EmbeddingOptions options, int defaultMaxLength, int maxPositions)
    {
        var maxLength = options.MaxLength ?? defaultMaxLength;
        if (maxLength > maxPositions)
        {
            throw BertErrors.OutOfRange(nameof(options), maxLength,
                $"{nameof(EmbeddingOptions.MaxLength)} is {maxLength} but the model's position embeddings cover {maxPositions} tokens.");
        }

        if (options.LongText == LongTextHandling.Window && !EncodingLayout.StrideFits(maxLength, options.Stride))
        {
            throw BertErrors.OutOfRange(nameof(options), options.Stride,
                $"{nameof(EmbeddingOptions.Stride)} is {options.Stride}; expected {EncodingLayout.StrideExpected(maxLength)}.");
        }

        return maxLength;
    }

    // The encoder for options: their tokenizer, or the model's own.
    internal TextEncoder Encoder(EmbeddingOptions options, int maxLength) =>
        new(options.Tokenizer ?? Tokenizer, maxLength, options.LongText, options.Stride, EmbeddingRows);
}
