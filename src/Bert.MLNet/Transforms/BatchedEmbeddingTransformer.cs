using Bert.MLNet.Embeddings;
using Bert.MLNet.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet.Transforms;

/// <summary>
/// The saved form of <see cref="BertEmbeddingTransformer"/> as a loaded model holds it, run the in-memory way: the
/// hidden-state graph taken back out of the saved pooled graph (<see cref="PoolingGraph.Unpool"/>), length-sorted
/// token-budgeted batches and the same pooling code as <see cref="BertModel.Embed"/>. Everything else is the loaded
/// form's own: the output schema, <see cref="GetRowToRowMapper"/> (<c>PredictionEngine</c>) and what <c>Save</c> writes,
/// so a re-saved model is the model that was loaded. Made by <see cref="Saved.LoadedModelBatching"/>.
/// </summary>
internal sealed class BatchedEmbeddingTransformer : ITransformer, IDisposable, IBlockEmbedder
{
    private readonly TransformerChain<ITransformer> loaded;
    private readonly InferenceSession session;
    private readonly GraphRunner runner;
    private readonly TextEncoder encoder;
    private readonly PooledGraphInfo info;
    private readonly EmbeddingOptions options;

    internal BatchedEmbeddingTransformer(TransformerChain<ITransformer> loaded, string inputColumnName, TextEncoder encoder, OnnxModel graph,
        PooledGraphInfo info, int paddingId, RuntimeOptions runtime)
    {
        this.loaded = loaded;
        InputColumnName = inputColumnName;
        this.encoder = encoder;
        this.info = info;
        using var sessionOptions = runtime.ToSessionOptions();
        try
        {
            session = new InferenceSession(graph.ToBytes(), sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw BertErrors.File(graph.Source, $"ONNX Runtime cannot run the model's graph in batches: {e.Message}", e);
        }

        runner = new GraphRunner(session, new ModelInputs(info.Inputs.InputIds, info.Inputs.AttentionMask, info.Inputs.TokenTypeIds), paddingId, info.HiddenSize);
        options = new EmbeddingOptions { LayerWeights = info.Plan.Weights, Normalize = info.Plan.Normalize };
    }

    public string InputColumnName { get; }

    public IReadOnlyList<string> VectorColumnNames => info.Outputs;

    public bool IsRowToRowMapper => true;

    /// <summary>The loaded form's output schema.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text column is missing or is not text (the message names it and its type).</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BertSchema.CheckInput(inputSchema, InputColumnName);
        return loaded.GetOutputSchema(inputSchema);
    }

    /// <summary>
    /// The input with the embedding columns added, embedded in batches; an input whose columns the loaded form would
    /// lay out otherwise (a new column hiding an input column of the same name) runs through the loaded form.
    /// </summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var schema = GetOutputSchema(input.Schema);
        return HasOwnLayout(input.Schema, schema) ? new BertEmbeddingDataView(this, input, schema) : loaded.Transform(input);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BertSchema.CheckInput(inputSchema, InputColumnName);
        return ((ITransformer)loaded).GetRowToRowMapper(inputSchema);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)loaded).Save(ctx);

    public EmbeddingResult EmbedRows(IReadOnlyList<string> texts, long firstRow)
    {
        var (segments, tokenCounts, truncated, windowCounts) = encoder.EncodeAll(texts, firstRow);
        var plan = info.Plan;
        var perLayer = runner.RunAll(segments, info.HiddenStates, [plan.Pooling], options.BatchSize, options.TokenBudget, null, CancellationToken.None)[0];
        return EmbeddingResults.Pooled(texts.Count, segments, perLayer, plan.Layers.Count, info.HiddenSize, plan.Combine, plan.Pooling, options,
            tokenCounts, truncated, windowCounts);
    }

    /// <summary>Frees the batched session and the loaded form.</summary>
    public void Dispose()
    {
        session.Dispose();
        loaded.Dispose();
    }

    // Frees only what this made, for a batching that failed part-way: the loaded form stays its owner's.
    internal void DisposeSession() => session.Dispose();

    // The loaded form's output is the input's columns, then the vectors and the three statistics, as BertEmbeddingDataView lays them out.
    private bool HasOwnLayout(DataViewSchema input, DataViewSchema output)
    {
        var added = info.Outputs.Count + 3;
        if (output.Count != input.Count + added)
        {
            return false;
        }

        for (var i = 0; i < input.Count; i++)
        {
            if (output[i].Name != input[i].Name || !output[i].Type.Equals(input[i].Type))
            {
                return false;
            }
        }

        return !Enumerable.Range(input.Count, added).Any(i => output[i].IsHidden)
            && info.Outputs.Select((name, i) => output[input.Count + i].Name == name).All(same => same);
    }
}
