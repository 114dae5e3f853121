using Bert.MLNet.Embeddings;
using Bert.MLNet.Transforms.Saved;
using Microsoft.ML;

namespace Bert.MLNet.Transforms;

/// <summary>
/// The estimator <see cref="BertCatalog.TokenizeForBert"/> returns. Its transformer is a chain of built-in ML.NET parts
/// (our tokenization runs as a <c>CustomMapping</c> whose vocabulary a <c>ValueMapping</c> keeps), so it saves and loads
/// with ML.NET alone.
/// </summary>
internal sealed class TokenizingEstimator(string inputColumnName, TextEncoder encoder) : IEstimator<ITransformer>
{
    private static readonly Dictionary<string, string> Outputs = new(StringComparer.Ordinal)
    {
        [SavedColumns.InputIds] = "input_ids",
        [SavedColumns.AttentionMask] = "attention_mask",
        [SavedColumns.TokenTypeIds] = "token_type_ids",
        [SavedColumns.WindowLength] = "window_length",
        [SavedColumns.TokenCount] = "TokenCount",
        [SavedColumns.Truncated] = "Truncated",
        [SavedColumns.WindowCount] = "WindowCount",
    };

    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        BertSchema.CheckInput(input.Schema, inputColumnName);
        var ml = new MLContext();
        var pipeline = BuiltInSteps.Tokenize(ml, inputColumnName, encoder);
        foreach (var (saved, name) in OutputsFor(encoder))
        {
            pipeline = pipeline.Append(ml.Transforms.CopyColumns(name, saved));
        }

        return pipeline.Append(BuiltInSteps.DropSavedColumns(ml)).Fit(input);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        BertSchema.CheckInput(inputSchema, inputColumnName);
        return SchemaShapes.AddTokenization(inputSchema, inputColumnName, OutputsFor(encoder));
    }

    // window_length only means something with windows.
    private static Dictionary<string, string> OutputsFor(TextEncoder encoder) =>
        Outputs.Where(p => encoder.LongText == LongTextHandling.Window || p.Key != SavedColumns.WindowLength).ToDictionary();
}
