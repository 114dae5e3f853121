using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Bert.MLNet.Transforms.Saved;

/// <summary>
/// The column names the saved form of Bert.MLNet's transforms uses between its steps. They are dropped before
/// the transform's output, so they never reach the user's schema.
/// </summary>
internal static class SavedColumns
{
    internal const string Text = "bert-mlnet.text";
    internal const string StateKey = "bert-mlnet.state-key";
    internal const string State = "bert-mlnet.state";
    internal const string InputIds = "bert-mlnet.input_ids";
    internal const string AttentionMask = "bert-mlnet.attention_mask";
    internal const string TokenTypeIds = "bert-mlnet.token_type_ids";
    internal const string WindowLength = "bert-mlnet.window_length";
    internal const string TokenCount = "bert-mlnet.token_count";
    internal const string Truncated = "bert-mlnet.truncated";
    internal const string WindowCount = "bert-mlnet.window_count";

    /// <summary>The key the state's ValueMapping is looked up with.</summary>
    internal const string StateKeyValue = "tokenizer";
}

/// <summary>Input of <see cref="StateKeyMapping"/>. Part of the saved-model format; not for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class StateKeyInput
{
    /// <summary>The text column (only its presence matters).</summary>
    [ColumnName(SavedColumns.Text)]
    public ReadOnlyMemory<char> Text { get; set; }
}

/// <summary>Output of <see cref="StateKeyMapping"/>. Part of the saved-model format; not for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class StateKeyOutput
{
    /// <summary>The constant key the tokenizer state is stored under.</summary>
    [ColumnName(SavedColumns.StateKey)]
    public string Key { get; set; } = SavedColumns.StateKeyValue;
}

/// <summary>
/// Gives every row the key under which the model file's ValueMapping holds the tokenizer state. Part of the
/// saved-model format: ML.NET finds it by its contract name when it loads a model.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(Contract)]
public sealed class StateKeyMapping : CustomMappingFactory<StateKeyInput, StateKeyOutput>
{
    /// <summary>The contract name written into model files.</summary>
    public const string Contract = "Bert.MLNet.StateKey.v1";

    /// <inheritdoc/>
    public override Action<StateKeyInput, StateKeyOutput> GetMapping() => Map;

    internal static void Map(StateKeyInput input, StateKeyOutput output) => output.Key = SavedColumns.StateKeyValue;
}

/// <summary>Input of <see cref="TokenizeMapping"/>. Part of the saved-model format; not for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenizeInput
{
    /// <summary>The text to tokenize.</summary>
    [ColumnName(SavedColumns.Text)]
    public ReadOnlyMemory<char> Text { get; set; }

    /// <summary>The tokenizer state, from the model file.</summary>
    [ColumnName(SavedColumns.State)]
    public ReadOnlyMemory<char> State { get; set; }
}

/// <summary>Output of <see cref="TokenizeMapping"/>. Part of the saved-model format; not for direct use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenizeOutput
{
    /// <summary>Token ids; with windows, every window padded to <see cref="WindowLength"/>, end to end.</summary>
    [ColumnName(SavedColumns.InputIds)]
    [VectorType]
    public long[] InputIds { get; set; } = [];

    /// <summary>1 for a real token, 0 for padding.</summary>
    [ColumnName(SavedColumns.AttentionMask)]
    [VectorType]
    public long[] AttentionMask { get; set; } = [];

    /// <summary>Segment ids (all 0 for one text).</summary>
    [ColumnName(SavedColumns.TokenTypeIds)]
    [VectorType]
    public long[] TokenTypeIds { get; set; } = [];

    /// <summary>The length of each window.</summary>
    [ColumnName(SavedColumns.WindowLength)]
    [VectorType(1)]
    public long[] WindowLength { get; set; } = [0];

    /// <summary>The text's WordPiece count before truncation, special tokens excluded.</summary>
    [ColumnName(SavedColumns.TokenCount)]
    public int TokenCount { get; set; }

    /// <summary>Whether tokens were cut.</summary>
    [ColumnName(SavedColumns.Truncated)]
    public bool Truncated { get; set; }

    /// <summary>The number of windows (1 unless windows are on and the text is long).</summary>
    [ColumnName(SavedColumns.WindowCount)]
    public int WindowCount { get; set; }
}

/// <summary>
/// Tokenizes one text with the tokenizer state the model file carries. Part of the saved-model format: ML.NET
/// finds it by its contract name when it loads a model. Thread-safe.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(Contract)]
public sealed class TokenizeMapping : CustomMappingFactory<TokenizeInput, TokenizeOutput>
{
    /// <summary>The contract name written into model files.</summary>
    public const string Contract = "Bert.MLNet.Tokenize.v1";

    /// <inheritdoc/>
    public override Action<TokenizeInput, TokenizeOutput> GetMapping() => Map;

    internal static void Map(TokenizeInput input, TokenizeOutput output)
    {
        var encoder = TokenizerState.Read(input.State);
        var (encodings, tokenCount, truncated) = encoder.Encode(input.Text.ToString(), -1);
        var length = encodings.Max(e => e.Length);
        var ids = new long[encodings.Length * length];
        var mask = new long[ids.Length];
        for (var w = 0; w < encodings.Length; w++)
        {
            var encoding = encodings[w];
            for (var t = 0; t < encoding.Length; t++)
            {
                ids[(w * length) + t] = encoding[t];
                mask[(w * length) + t] = 1;
            }
        }

        output.InputIds = ids;
        output.AttentionMask = mask;
        output.TokenTypeIds = new long[ids.Length];
        output.WindowLength = [length];
        output.TokenCount = tokenCount;
        output.Truncated = truncated;
        output.WindowCount = encodings.Length;
    }
}
