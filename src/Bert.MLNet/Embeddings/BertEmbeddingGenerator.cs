using Bert.MLNet.Options;
using Microsoft.Extensions.AI;

namespace Bert.MLNet;

/// <summary>
/// A <see cref="BertModel"/> as Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, so
/// Semantic Kernel, vector stores and any code written against that interface can use local BERT embeddings.
/// </summary>
/// <remarks>
/// Each call embeds its texts in one length-sorted, batched pass. The default options are the model's conventions
/// (<see cref="BertModel.DefaultOptions"/>: all-MiniLM-L6-v2's mean of the last layer, snowflake-arctic-embed-xs's
/// <c>[CLS]</c>), always scaled to unit length (cosine similarity is then a dot product), as sentence-embedding services do.
/// A generator for <see cref="EmbeddingPurpose.Query"/> puts the model's query prompt before each text. Thread-safe.
/// </remarks>
public sealed class BertEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly bool ownsModel;

    /// <summary>Wraps a loaded model, which the caller keeps and disposes.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">What to compute; null for the model's conventions, normalized. Per-token output is refused.</param>
    /// <param name="purpose">What the texts are: documents (the default), or search queries, which get the model's query prompt (<see cref="ModelConventions.QueryPrefix"/>).</param>
    /// <exception cref="ArgumentException">The options ask for per-token vectors (<see cref="Pooling.None"/>).</exception>
    public BertEmbeddingGenerator(BertModel model, EmbeddingOptions? options = null, EmbeddingPurpose purpose = EmbeddingPurpose.Document)
        : this(model, options, purpose, ownsModel: false)
    {
    }

    private BertEmbeddingGenerator(BertModel model, EmbeddingOptions? options, EmbeddingPurpose purpose, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Options = options ?? model.DefaultOptions with { Normalize = true };
        Purpose = purpose;
        this.ownsModel = ownsModel;
        var plan = PoolingPlan.For(model, Options);
        if (plan.Combine == LayerCombination.Separate)
        {
            throw BertErrors.Invalid(nameof(options), $"{nameof(LayerCombination.Separate)} gives one vector per layer; an embedding generator gives one per text. Use Concat, Mean or Weighted.");
        }

        Dimensions = plan.Dimension(model.HiddenSize);
        Metadata = new EmbeddingGeneratorMetadata("Bert.MLNet", new Uri(Path.GetFullPath(model.Files.OnnxPath)), model.Name, Dimensions);
    }

    /// <summary>The model the embeddings come from.</summary>
    public BertModel Model { get; }

    /// <summary>What each embedding is.</summary>
    public EmbeddingOptions Options { get; }

    /// <summary>Whether the texts are embedded as documents or as queries.</summary>
    public EmbeddingPurpose Purpose { get; }

    /// <summary>The length of every embedding.</summary>
    public int Dimensions { get; }

    /// <summary>The provider (<c>Bert.MLNet</c>), the model file, its name (<see cref="BertModel.Name"/>) and the dimensions.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>Loads a model (a name such as <c>all-MiniLM-L6-v2</c>, a folder or an .onnx file) and wraps it; disposing the generator disposes the model.</summary>
    /// <exception cref="FileNotFoundException">No model where <paramref name="path"/> says, and no model of that name.</exception>
    public static BertEmbeddingGenerator Load(string path, EmbeddingOptions? options = null, EmbeddingPurpose purpose = EmbeddingPurpose.Document)
    {
        var model = BertModel.Load(path, options?.Runtime);
        try
        {
            return new BertEmbeddingGenerator(model, options, purpose, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Embeds the texts, one embedding per text in their order.</summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> asks for a dimension count other than <see cref="Dimensions"/>.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } wanted && wanted != Dimensions)
        {
            throw BertErrors.Invalid(nameof(options), $"Dimensions is {wanted} but this model's embeddings have {Dimensions}; BERT embeddings cannot be shortened.");
        }

        var texts = values as IReadOnlyList<string> ?? [.. values];
        return Task.Run(() =>
        {
            var result = Purpose == EmbeddingPurpose.Query
                ? Model.EmbedQueries(texts, Options, cancellationToken: cancellationToken)
                : Model.Embed(texts, Options, cancellationToken: cancellationToken);
            var created = DateTimeOffset.UtcNow;
            var embeddings = new GeneratedEmbeddings<Embedding<float>>(result.Count);
            for (var row = 0; row < result.Count; row++)
            {
                embeddings.Add(new Embedding<float>(result[row].ToArray()) { CreatedAt = created, ModelId = Metadata.DefaultModelId });
            }

            return embeddings;
        }, cancellationToken);
    }

    /// <summary>The generator's <see cref="EmbeddingGeneratorMetadata"/>, its <see cref="BertModel"/>, or itself; otherwise null.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
            : serviceType.IsInstanceOfType(Model) ? Model
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Disposes the model when this generator loaded it.</summary>
    public void Dispose()
    {
        if (ownsModel)
        {
            Model.Dispose();
        }
    }
}
