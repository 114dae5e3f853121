using Bert.MLNet.Transforms.Saved;
using Microsoft.ML;

namespace Bert.MLNet;

/// <summary>
/// Bert.MLNet on ML.NET's model operations: <c>mlContext.Model.LoadWithBatchedEmbeddings(...)</c>. A model saved with
/// an <c>ApplyBertEmbedding</c> step loads with plain <c>mlContext.Model.Load</c>, and its embedding step then runs
/// through ML.NET's OnnxTransformer, one text per ONNX Runtime run. These calls give the same model with that step
/// running the in-memory way: length-sorted, token-budgeted batches.
/// </summary>
/// <remarks>
/// <para>Float32 models give the numbers the loaded model gives (within float rounding, 1e-5). An
/// <see cref="Precision.Int8"/> model quantizes each run's activations with one scale, so its vectors depend a little on
/// their batch; they equal the in-memory transform's, which batches the same way.</para>
/// <para>Everything else is the loaded model's: its schema, <c>PredictionEngine</c> (one row at a time, through the
/// loaded step) and what <c>mlContext.Model.Save</c> writes. Models saved by a Bert.MLNet version before this one, and
/// embedding steps built on <c>TokenizeForBert</c> plus your own <c>ApplyOnnxModel</c>, are left as they are.</para>
/// <para>The batched step holds a second ONNX Runtime session beside the loaded one (the one <c>PredictionEngine</c>
/// uses). The result shares the loaded model's parts: dispose the result, not both.</para>
/// </remarks>
public static class BertModelOperations
{
    /// <summary>
    /// Loads a model saved with <c>mlContext.Model.Save</c>, with every Bert.MLNet embedding step in it running in batches.
    /// Reads the embedding graph straight from the file.
    /// </summary>
    /// <param name="catalog">ML.NET's model operations.</param>
    /// <param name="filePath">The model file (<c>model.zip</c>).</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    /// <param name="runtimeOptions">Threads and device for the batched session; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The embedding step's graph or tokenizer state in the file is damaged (the message names the file).</exception>
    public static ITransformer LoadWithBatchedEmbeddings(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema,
        RuntimeOptions? runtimeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var runtime = runtimeOptions ?? new RuntimeOptions();
        runtime.Validate();
        if (!File.Exists(filePath))
        {
            throw BertErrors.Missing($"Model file '{filePath}' does not exist.", filePath);
        }

        var model = catalog.Load(filePath, out inputSchema);
        return BatchOrDispose(model, inputSchema, LoadedModelBatching.FromFile(filePath), runtime);
    }

    /// <summary>
    /// A loaded model with every Bert.MLNet embedding step in it running in batches; the same instance when it has none.
    /// Saves each embedding step into memory once to read its graph (a few seconds for a real model): when the model
    /// came from a file, <see cref="LoadWithBatchedEmbeddings"/> is faster.
    /// </summary>
    /// <param name="catalog">ML.NET's model operations.</param>
    /// <param name="model">The model, as <c>mlContext.Model.Load</c> returned it.</param>
    /// <param name="inputSchema">The schema the model reads (as <c>Load</c> gave it).</param>
    /// <param name="runtimeOptions">Threads and device for the batched session; null for the defaults.</param>
    /// <exception cref="InvalidDataException">An embedding step's graph or tokenizer state is damaged.</exception>
    public static ITransformer BatchEmbeddings(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema,
        RuntimeOptions? runtimeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        var runtime = runtimeOptions ?? new RuntimeOptions();
        runtime.Validate();
        return LoadedModelBatching.Batch(model, inputSchema, LoadedModelBatching.FromTransformer(new MLContext()), runtime);
    }

    private static ITransformer BatchOrDispose(ITransformer model, DataViewSchema inputSchema, LoadedModelBatching.GraphReader readGraph, RuntimeOptions runtime)
    {
        try
        {
            return LoadedModelBatching.Batch(model, inputSchema, readGraph, runtime);
        }
        catch
        {
            (model as IDisposable)?.Dispose();
            throw;
        }
    }
}
