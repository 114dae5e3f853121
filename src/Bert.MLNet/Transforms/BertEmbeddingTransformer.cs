using Bert.MLNet.Embeddings;
using Bert.MLNet.Options;
using Bert.MLNet.Transforms;
using Bert.MLNet.Transforms.Saved;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet;

/// <summary>
/// Adds BERT embeddings of a text column to a data view: known-size float vectors (one column, or one per layer
/// with <see cref="LayerCombination.Separate"/>), plus each row's token count, whether it was truncated and its
/// window count. Made by <see cref="BertCatalog.ApplyBertEmbedding"/>.
/// </summary>
/// <remarks>
/// <para>In memory, <see cref="Transform"/> reads rows ahead in blocks, sorts each block by length, runs token-budgeted
/// batches straight into ONNX Runtime and returns rows in their original order; memory stays bounded on any input size.</para>
/// <para>Saved with <c>mlContext.Model.Save</c>, it becomes built-in ML.NET parts — our tokenization as a
/// <c>CustomMapping</c> with its vocabulary held by a <c>ValueMapping</c>, then ML.NET's OnnxTransformer over the model
/// with pooling done inside the graph — which load with a plain <c>new MLContext().Model.Load</c> (in a process that
/// references this assembly) and give the same numbers, one row at a time. <see cref="GetRowToRowMapper"/>
/// (<c>PredictionEngine</c>) runs that form too.</para>
/// <para>Thread-safe. Dispose to free the model's ONNX Runtime session.</para>
/// </remarks>
public sealed class BertEmbeddingTransformer : ITransformer, IDisposable, IBlockEmbedder
{
    private readonly bool ownsModel;
    private readonly OnnxStepFile savedForm;

    internal BertEmbeddingTransformer(BertModel model, bool ownsModel, string outputColumnName, string inputColumnName, EmbeddingOptions options,
        DataViewSchema fitSchema)
    {
        Model = model;
        this.ownsModel = ownsModel;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Options = options;
        Plan = PoolingPlan.For(model, options);
        Encoder = model.Encoder(options, model.ResolveMaxLength(options));
        VectorColumnNames = VectorColumns(outputColumnName, Plan);
        Dimension = Plan.Dimension(model.HiddenSize);
        BertSchema.CheckInput(fitSchema, inputColumnName);
        savedForm = new OnnxStepFile(file => BuiltInSteps.Embedding(this, fitSchema, file));
    }

    /// <summary>The model the embeddings come from.</summary>
    public BertModel Model { get; }

    /// <summary>The text column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The name given to the transform; the embedding column's name (the prefix of every column it adds).</summary>
    public string OutputColumnName { get; }

    /// <summary>The embedding options.</summary>
    public EmbeddingOptions Options { get; }

    /// <summary>
    /// The embedding columns: <see cref="OutputColumnName"/>, or with <see cref="LayerCombination.Separate"/> one per
    /// selected layer, <c>{output}.Layer{index}</c> with Hugging Face's hidden-state index (0 = embeddings).
    /// </summary>
    public IReadOnlyList<string> VectorColumnNames { get; }

    /// <summary>The length of each embedding vector.</summary>
    public int Dimension { get; }

    /// <summary>The <c>Int32</c> column with each text's WordPiece count before truncation (special tokens excluded).</summary>
    public string TokenCountColumnName => StatisticColumns(OutputColumnName).TokenCount;

    /// <summary>The <c>Boolean</c> column that is true where tokens were cut (never with windows).</summary>
    public string TruncatedColumnName => StatisticColumns(OutputColumnName).Truncated;

    /// <summary>The <c>Int32</c> column with the number of windows a text was split into (1 unless windows are on).</summary>
    public string WindowCountColumnName => StatisticColumns(OutputColumnName).WindowCount;

    /// <summary>True: the transform can run one row at a time (it then runs its saved form).</summary>
    public bool IsRowToRowMapper => true;

    internal PoolingPlan Plan { get; }

    internal TextEncoder Encoder { get; }

    /// <summary>The input schema with the embedding columns added.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or is not text (the message names it and its type).</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BertSchema.CheckInput(inputSchema, InputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var name in VectorColumnNames)
        {
            builder.AddColumn(name, new VectorDataViewType(NumberDataViewType.Single, Dimension));
        }

        builder.AddColumn(TokenCountColumnName, NumberDataViewType.Int32);
        builder.AddColumn(TruncatedColumnName, BooleanDataViewType.Instance);
        builder.AddColumn(WindowCountColumnName, NumberDataViewType.Int32);
        return builder.ToSchema();
    }

    /// <summary>Embeds the input's text column, reading ahead in blocks and batching by length (see remarks).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or is not text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BertEmbeddingDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <summary>A row-by-row mapper for <c>PredictionEngine</c>: the saved form (OnnxTransformer over the pooled graph).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BertSchema.CheckInput(inputSchema, InputColumnName);
        return savedForm.Running.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Frees the model's session (when this transformer loaded it) and the row-by-row form's.</summary>
    public void Dispose()
    {
        savedForm.Dispose();
        if (ownsModel)
        {
            Model.Dispose();
        }
    }

    /// <summary>Saves the transform as built-in ML.NET parts (see remarks); called by <c>mlContext.Model.Save</c>.</summary>
    /// <exception cref="NotSupportedException">The transform uses a tokenizer other than the model's own.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => savedForm.Save(ctx);

    EmbeddingResult IBlockEmbedder.EmbedRows(IReadOnlyList<string> texts, long firstRow) => Model.EmbedRows(texts, Options, firstRow);

    internal static (string TokenCount, string Truncated, string WindowCount) StatisticColumns(string output) =>
        (output + ".TokenCount", output + ".Truncated", output + ".WindowCount");

    internal static IReadOnlyList<string> VectorColumns(string output, PoolingPlan plan) =>
        plan.Combine == LayerCombination.Separate ? [.. plan.Layers.Select(l => $"{output}.Layer{l}")] : [output];
}
