using Bert.MLNet.Embeddings;
using Bert.MLNet.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace Bert.MLNet.Transforms.Saved;

/// <summary>
/// Builds the form of Bert.MLNet's transforms that ML.NET can save and load without us: only built-in parts —
/// ColumnCopying, ValueMapping (which stores the tokenizer state in the file), CustomMapping (our stateless
/// tokenization, found by contract name) and OnnxTransformer over the pooled graph (which stores the graph) —
/// so a plain <c>new MLContext().Model.Load</c> in a process that references this assembly reads it back.
/// </summary>
internal static class BuiltInSteps
{
    /// <summary>The tokenization steps: text → the saved columns of <see cref="TokenizeOutput"/>.</summary>
    internal static IEstimator<ITransformer> Tokenize(MLContext ml, string inputColumnName, TextEncoder encoder) =>
        ml.Transforms.CopyColumns(SavedColumns.Text, inputColumnName)
            .Append(ml.Transforms.CustomMapping<StateKeyInput, StateKeyOutput>(StateKeyMapping.Map, StateKeyMapping.Contract))
            .Append(ml.Transforms.Conversion.MapValue(SavedColumns.State,
                [new KeyValuePair<string, string>(SavedColumns.StateKeyValue, TokenizerState.Write(encoder))], SavedColumns.StateKey))
            .Append(ml.Transforms.CustomMapping<TokenizeInput, TokenizeOutput>(TokenizeMapping.Map, TokenizeMapping.Contract));

    /// <summary>Removes the steps' own columns so that only the transform's outputs remain.</summary>
    internal static IEstimator<ITransformer> DropSavedColumns(MLContext ml) =>
        ml.Transforms.DropColumns(SavedColumns.Text, SavedColumns.StateKey, SavedColumns.State, SavedColumns.InputIds, SavedColumns.AttentionMask,
            SavedColumns.TokenTypeIds, SavedColumns.WindowLength, SavedColumns.TokenCount, SavedColumns.Truncated, SavedColumns.WindowCount);

    /// <summary>
    /// The embedding transform as built-in parts, fitted on an empty view of the input schema. The pooled graph is
    /// written to <paramref name="graphFile"/>, which the returned chain reads (OnnxTransformer keeps a handle on
    /// it and re-reads it when saved): the caller deletes it once the chain is saved or disposed.
    /// </summary>
    internal static TransformerChain<ITransformer> Embedding(BertEmbeddingTransformer transformer, DataViewSchema inputSchema, string graphFile)
    {
        var ml = new MLContext();
        var model = transformer.Model;
        var windows = transformer.Encoder.LongText == LongTextHandling.Window;
        var names = new PoolingGraph.InputNames(SavedColumns.InputIds, SavedColumns.AttentionMask,
            model.Inputs.TokenTypeIds is null ? null : SavedColumns.TokenTypeIds, windows ? SavedColumns.WindowLength : null);
        File.WriteAllBytes(graphFile, PoolingGraph.Build(model, transformer.Plan, names, transformer.VectorColumnNames));

        string[] inputs = [names.InputIds, names.AttentionMask, .. names.TokenTypeIds is { } types ? [types] : Array.Empty<string>(),
            .. names.WindowLength is { } length ? [length] : Array.Empty<string>()];
        var runtime = transformer.Options.Runtime;
        var onnx = ml.Transforms.ApplyOnnxModel(new OnnxOptions
        {
            ModelFile = graphFile,
            InputColumns = inputs,
            OutputColumns = [.. transformer.VectorColumnNames],
            GpuDeviceId = runtime.CudaDeviceId,
            IntraOpNumThreads = runtime.IntraOpThreads == 0 ? null : runtime.IntraOpThreads,
            InterOpNumThreads = runtime.InterOpThreads == 0 ? null : runtime.InterOpThreads,
        });

        var pipeline = Tokenize(ml, transformer.InputColumnName, transformer.Encoder)
            .Append(onnx)
            .Append(ml.Transforms.CopyColumns(transformer.TokenCountColumnName, SavedColumns.TokenCount))
            .Append(ml.Transforms.CopyColumns(transformer.TruncatedColumnName, SavedColumns.Truncated))
            .Append(ml.Transforms.CopyColumns(transformer.WindowCountColumnName, SavedColumns.WindowCount))
            .Append(DropSavedColumns(ml));
        return pipeline.Fit(new EmptyDataView(inputSchema));
    }
}

/// <summary>A view with a schema and no rows: what estimators of built-in parts are fitted on when only the schema matters.</summary>
internal sealed class EmptyDataView(DataViewSchema schema) : IDataView
{
    public bool CanShuffle => true;

    public DataViewSchema Schema { get; } = schema;

    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(Schema)];

    private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema { get; } = schema;

        public override long Position => -1;

        public override long Batch => 0;

        public override bool MoveNext() => false;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => throw new InvalidOperationException("The view has no rows.");

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => (ref TValue value) => throw new InvalidOperationException("The view has no rows.");

        public override bool IsColumnActive(DataViewSchema.Column column) => true;
    }
}
