using System.Text.Json;

namespace Bert.MLNet.Tokenizers;

/// <summary>The settings a <c>tokenizer_config.json</c> may give; each one it sets overrides the tokenizer file's.</summary>
internal sealed record TokenizerConfig
{
    private bool? LowerCase { get; init; }

    private bool? StripAccents { get; init; }

    private bool StripAccentsSet { get; init; }

    private bool? TokenizeChineseChars { get; init; }

    private int? ModelMaxLength { get; init; }

    private string? Unknown { get; init; }

    private string? Classification { get; init; }

    private string? Separator { get; init; }

    private string? Padding { get; init; }

    private string? Mask { get; init; }

    /// <summary>Reads the file if it exists; a missing file sets nothing.</summary>
    internal static TokenizerConfig Read(string file)
    {
        if (!File.Exists(file))
        {
            return new TokenizerConfig();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            TokenizerThrow.InvalidFile(file, $"is not valid JSON ({e.Message})", e);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                TokenizerThrow.InvalidFile(file, "expected a JSON object at the top level.");
            }

            var maxLength = BertWordPieceTokenizer.Int(root, "model_max_length");
            if (maxLength is < 2)
            {
                TokenizerThrow.InvalidFile(file, $"model_max_length is {maxLength}; expected at least 2.");
            }

            return new TokenizerConfig
            {
                LowerCase = BertWordPieceTokenizer.Bool(root, "do_lower_case"),
                StripAccents = BertWordPieceTokenizer.Bool(root, "strip_accents"),
                StripAccentsSet = root.TryGetProperty("strip_accents", out _),
                TokenizeChineseChars = BertWordPieceTokenizer.Bool(root, "tokenize_chinese_chars"),
                ModelMaxLength = maxLength,
                Unknown = BertWordPieceTokenizer.String(root, "unk_token"),
                Classification = BertWordPieceTokenizer.String(root, "cls_token"),
                Separator = BertWordPieceTokenizer.String(root, "sep_token"),
                Padding = BertWordPieceTokenizer.String(root, "pad_token"),
                Mask = BertWordPieceTokenizer.String(root, "mask_token"),
            };
        }
    }

    internal BertTokenizerOptions Apply(BertTokenizerOptions options) => options with
    {
        LowerCase = LowerCase ?? options.LowerCase,
        StripAccents = StripAccentsSet ? StripAccents : options.StripAccents,
        TokenizeChineseChars = TokenizeChineseChars ?? options.TokenizeChineseChars,
        ModelMaxLength = ModelMaxLength ?? options.ModelMaxLength,
        UnknownToken = Unknown ?? options.UnknownToken,
        ClassificationToken = Classification ?? options.ClassificationToken,
        SeparatorToken = Separator ?? options.SeparatorToken,
        PaddingToken = Padding ?? options.PaddingToken,
        MaskToken = Mask ?? options.MaskToken,
    };
}
