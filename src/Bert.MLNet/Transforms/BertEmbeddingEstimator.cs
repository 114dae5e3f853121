using Bert.MLNet.Options;
using Bert.MLNet.Transforms;
using Microsoft.ML;

namespace Bert.MLNet;

/// <summary>
/// Estimator for <see cref="BertEmbeddingTransformer"/>: made by <see cref="BertCatalog.ApplyBertEmbedding"/>.
/// Fitting loads the model (nothing is learned) and checks the input column and the options.
/// </summary>
public sealed class BertEmbeddingEstimator : IEstimator<BertEmbeddingTransformer>
{
    private readonly string outputColumnName;
    private readonly string inputColumnName;
    private readonly string modelPath;
    private readonly EmbeddingOptions? options;
    private readonly Lazy<(int LayerCount, int HiddenSize, ModelConventions Conventions)> shape;

    // Null options: the model's conventions, known once its files are read.
    internal BertEmbeddingEstimator(string outputColumnName, string inputColumnName, string modelPath, EmbeddingOptions? options)
    {
        this.outputColumnName = outputColumnName;
        this.inputColumnName = inputColumnName;
        this.modelPath = modelPath;
        this.options = options;
        shape = new(() => BertModel.ReadShape(modelPath));
    }

    /// <summary>Loads the model and returns the transformer, which owns it (dispose it to free the session).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text, or a selected layer is outside the model.</exception>
    /// <exception cref="FileNotFoundException">The model is not where <c>modelPath</c> says (the message lists where it looked).</exception>
    /// <exception cref="InvalidDataException">A model file is malformed.</exception>
    public BertEmbeddingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        BertSchema.CheckInput(input.Schema, inputColumnName);
        var model = BertModel.Load(modelPath, options?.Runtime);
        try
        {
            return new BertEmbeddingTransformer(model, ownsModel: true, outputColumnName, inputColumnName, options ?? model.DefaultOptions, input.Schema);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The output shape for an input shape, read from the model's files without starting ONNX Runtime.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text, or a selected layer is outside the model.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BertSchema.CheckInput(inputSchema, inputColumnName);
        var (layers, hidden, conventions) = shape.Value;
        var plan = PoolingPlan.For(layers, options ?? conventions.ToOptions());
        var dimension = plan.Dimension(hidden);
        var vectors = BertEmbeddingTransformer.VectorColumns(outputColumnName, plan).Select(n => (n, dimension));
        var (tokenCount, truncated, windowCount) = BertEmbeddingTransformer.StatisticColumns(outputColumnName);
        return SchemaShapes.Add(inputSchema, inputColumnName, vectors, tokenCount, truncated, windowCount);
    }
}
