namespace Bert.MLNet.Cluster;

/// <summary>
/// One shard of a job, embedded by whichever silo its grain is placed on. The key is <c>{job}/{shard}</c>, so a rerun
/// of the same job reaches the same grain: <see cref="Start"/> is idempotent, and a grain whose silo died is started
/// again, on a live silo, by the next caller that finds it <see cref="ShardState.NotStarted"/>.
/// </summary>
internal interface IShardGrain : IGrainWithStringKey
{
    /// <summary>Starts embedding the shard and writing its part, unless that has already started; returns at once.</summary>
    Task Start(ShardWork work);

    /// <summary>Waits until the shard is done or failed, or until <paramref name="wait"/> has passed; then its state.</summary>
    Task<ShardStatus> Wait(TimeSpan wait);

    /// <summary>The shard's outcome has been recorded: the activation may go.</summary>
    Task Release();
}

/// <summary>What a silo serves: one per silo, answered by the silo the call lands on.</summary>
internal interface IServedModelGrain : IGrainWithIntegerKey
{
    /// <summary>The silo's model.</summary>
    Task<ServedModelInfo> Describe();
}

/// <summary>The rows of one shard and how to embed them.</summary>
[GenerateSerializer, Immutable]
internal sealed record ShardWork(
    [property: Id(0)] string Job,
    [property: Id(1)] int Shard,
    [property: Id(2)] long FirstRow,
    [property: Id(3)] string[] Texts,
    [property: Id(4)] JobSettings Settings,
    [property: Id(5)] string OutputFolder);

/// <summary>How a job embeds: <see cref="EmbeddingOptions"/> as it crosses the wire, and the model it was planned for.</summary>
[GenerateSerializer, Immutable]
internal sealed record JobSettings(
    [property: Id(0)] string Model,
    [property: Id(1)] string ModelFingerprint,
    [property: Id(2)] Precision Precision,
    [property: Id(3)] string Layers,
    [property: Id(4)] Pooling Pooling,
    [property: Id(5)] LayerCombination Combine,
    [property: Id(6)] bool Normalize,
    [property: Id(7)] int BatchSize,
    [property: Id(8)] int? MaxLength,
    [property: Id(9)] LongTextHandling LongText,
    [property: Id(10)] int Stride)
{
    /// <summary>The settings of <paramref name="options"/> for <paramref name="model"/>.</summary>
    internal static JobSettings From(EmbeddingOptions options, ServedModelInfo model) => new(
        model.Name, model.Fingerprint, options.Precision, options.Layers.ToString(), options.Pooling, options.Combine, options.Normalize,
        options.BatchSize, options.MaxLength, options.LongText, options.Stride);

    /// <summary>The options these settings stand for.</summary>
    internal EmbeddingOptions ToOptions() => new()
    {
        Precision = Precision,
        Layers = LayerSelection.Parse(Layers),
        Pooling = Pooling,
        Combine = Combine,
        Normalize = Normalize,
        BatchSize = BatchSize,
        MaxLength = MaxLength,
        LongText = LongText,
        Stride = Stride,
    };
}

/// <summary>Where a shard is.</summary>
public enum ShardState
{
    /// <summary>No silo has it: never started, or its silo died.</summary>
    NotStarted,

    /// <summary>Waiting for the silo's model or being embedded.</summary>
    Running,

    /// <summary>Its part is written.</summary>
    Done,

    /// <summary>It cannot be embedded (the message says why); trying again would fail the same way.</summary>
    Failed,
}

/// <summary>A shard's state; once done, what its part holds.</summary>
[GenerateSerializer, Immutable]
internal sealed record ShardStatus(
    [property: Id(0)] ShardState State,
    [property: Id(1)] string? Silo = null,
    [property: Id(2)] int Rows = 0,
    [property: Id(3)] long Tokens = 0,
    [property: Id(4)] int Truncated = 0,
    [property: Id(5)] string? Message = null,
    [property: Id(6)] int[]? Shape = null);

/// <summary>The model a silo serves, the conventions it brings and the shape options are checked against.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Source">The model as the silo was given it (a name or a path).</param>
/// <param name="Fingerprint">What the silos must share: a SHA-256 over the model's ONNX fingerprint and its tokenizer (vocabulary and settings).</param>
/// <param name="Precision">The silo's precision, which jobs get unless they ask for another.</param>
/// <param name="Pooling">The model's pooling convention.</param>
/// <param name="Normalize">Whether the model's convention normalizes.</param>
/// <param name="Silo">The silo that answered.</param>
/// <param name="LayerCount">Encoder layers, to check a job's layers against.</param>
/// <param name="MaxPositions">Position embeddings, to check a job's maximum length against.</param>
/// <param name="DefaultMaxLength">The encoding length when a job gives none.</param>
[GenerateSerializer, Immutable]
internal sealed record ServedModelInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Source,
    [property: Id(2)] string Fingerprint,
    [property: Id(3)] Precision Precision,
    [property: Id(4)] Pooling Pooling,
    [property: Id(5)] bool Normalize,
    [property: Id(6)] string Silo,
    [property: Id(7)] int LayerCount,
    [property: Id(8)] int MaxPositions,
    [property: Id(9)] int DefaultMaxLength);
