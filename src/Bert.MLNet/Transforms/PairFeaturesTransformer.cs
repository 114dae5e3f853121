using Bert.MLNet.Onnx;
using Bert.MLNet.Transforms;
using Bert.MLNet.Transforms.Saved;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet;

/// <summary>
/// Estimates nothing: checks two known-size float vector columns of one length and gives a
/// <see cref="PairFeaturesTransformer"/>. Made by <see cref="BertCatalog.ComputePairFeatures"/>.
/// </summary>
public sealed class PairFeaturesEstimator : IEstimator<PairFeaturesTransformer>
{
    internal PairFeaturesEstimator(string outputColumnName, string firstColumnName, string secondColumnName)
    {
        OutputColumnName = outputColumnName;
        FirstColumnName = firstColumnName;
        SecondColumnName = secondColumnName;
    }

    /// <summary>The column written: 4d + 1 floats.</summary>
    public string OutputColumnName { get; }

    /// <summary>The first vector column (u).</summary>
    public string FirstColumnName { get; }

    /// <summary>The second vector column (v).</summary>
    public string SecondColumnName { get; }

    /// <summary>Checks the input columns and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing, is not a known-size Single vector, or the two differ in length.</exception>
    public PairFeaturesTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var width = PairFeaturesTransformer.CheckInputs(input.Schema, FirstColumnName, SecondColumnName);
        return new PairFeaturesTransformer(OutputColumnName, FirstColumnName, SecondColumnName, width, input.Schema);
    }

    /// <summary>The input shape with the pair-feature column added.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing, is not a known-size Single vector, or the two differ in length.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BertSchema.CheckVector(inputSchema, "Input column", FirstColumnName, PairFeaturesTransformer.User);
        BertSchema.CheckVector(inputSchema, "Input column", SecondColumnName, PairFeaturesTransformer.User);

        // A shape does not carry vector sizes; the size is known once the estimator sees data.
        return SchemaShapes.AddVector(inputSchema, OutputColumnName, 1);
    }
}

/// <summary>
/// Adds the features of a pair of vectors u and v (two sentences' embeddings) as one known-size column:
/// <c>[u, v, |u − v|, u ∘ v, cos(u, v)]</c>, 4d + 1 floats, which a regression or classification trainer reads to learn
/// a pair's similarity or relation. It runs and saves as ML.NET's OnnxTransformer over a small generated graph, so a
/// saved pipeline loads with a plain <c>new MLContext().Model.Load</c>.
/// </summary>
public sealed class PairFeaturesTransformer : ITransformer, IDisposable
{
    private readonly OnnxStepFile form;

    internal PairFeaturesTransformer(string outputColumnName, string firstColumnName, string secondColumnName, int width, DataViewSchema fitSchema)
    {
        OutputColumnName = outputColumnName;
        FirstColumnName = firstColumnName;
        SecondColumnName = secondColumnName;
        Width = width;
        form = new OnnxStepFile(file =>
        {
            File.WriteAllBytes(file, PairGraph.Build(width, firstColumnName, secondColumnName, outputColumnName));
            var ml = new MLContext();
            return new TransformerChain<ITransformer>(
                ml.Transforms.ApplyOnnxModel([outputColumnName], [firstColumnName, secondColumnName], file).Fit(new EmptyDataView(fitSchema)));
        });
    }

    /// <summary>The column written: <see cref="Dimension"/> floats.</summary>
    public string OutputColumnName { get; }

    /// <summary>The first vector column (u).</summary>
    public string FirstColumnName { get; }

    /// <summary>The second vector column (v).</summary>
    public string SecondColumnName { get; }

    /// <summary>The length d of each input vector.</summary>
    public int Width { get; }

    /// <summary>The length of the output vector, 4d + 1.</summary>
    public int Dimension => (4 * Width) + 1;

    /// <summary>True: the transform runs one row at a time.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema with the pair-feature column added.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing, or not a Single vector of the fitted length.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Check(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, Dimension));
        return builder.ToSchema();
    }

    /// <summary>Adds the pair features (lazily, row by row, as ML.NET transforms do).</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(input.Schema);
        return form.Running.Transform(input);
    }

    /// <summary>A row-by-row mapper for <c>PredictionEngine</c>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Check(inputSchema);
        return form.Running.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Frees the ONNX Runtime session.</summary>
    public void Dispose() => form.Dispose();

    /// <summary>Saves the transform as ML.NET's OnnxTransformer over the pair graph; called by <c>mlContext.Model.Save</c>.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => form.Save(ctx);

    // Who needs the vectors, in the column checks' messages.
    internal const string User = "pair features need";

    // Both columns are Single vectors of one known length; returns it.
    internal static int CheckInputs(DataViewSchema schema, string first, string second)
    {
        int[] sizes = [BertSchema.CheckVector(schema, "Input column", first, User), BertSchema.CheckVector(schema, "Input column", second, User)];
        if (sizes[0] != sizes[1])
        {
            throw BertErrors.OutOfRange(nameof(schema), null,
                $"Input columns '{first}' ({sizes[0]} values) and '{second}' ({sizes[1]} values) differ in length; pair features compare vectors of one length.");
        }

        return sizes[0];
    }

    private void Check(DataViewSchema schema)
    {
        var width = CheckInputs(schema, FirstColumnName, SecondColumnName);
        if (width != Width)
        {
            throw BertErrors.OutOfRange(nameof(schema), width, $"Input column '{FirstColumnName}' has {width} values; the transform was fitted on {Width}.");
        }
    }
}
