namespace Bert.MLNet.Tokenizers;

/// <summary>
/// How a <see cref="BertWordPieceTokenizer"/> normalizes and splits text. The defaults are those of the uncased
/// BERT checkpoints (<c>bert-base-uncased</c>); loading a model folder fills them from
/// <c>tokenizer_config.json</c> or <c>tokenizer.json</c>.
/// </summary>
public sealed record BertTokenizerOptions
{
    /// <summary>Lowercase the text (Hugging Face's <c>do_lower_case</c> / <c>lowercase</c>). Default true.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>
    /// Remove accents (NFD, then drop non-spacing marks). <see langword="null"/>, the default, follows
    /// <see cref="LowerCase"/>, as Hugging Face's <c>strip_accents</c> does when unset.
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>Drop control characters, U+0000 and U+FFFD, and turn every whitespace character into a space. Default true.</summary>
    public bool CleanText { get; init; } = true;

    /// <summary>Make each CJK ideograph a word of its own (<c>tokenize_chinese_chars</c>). Default true.</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>The token for words WordPiece cannot spell. Default <c>[UNK]</c>.</summary>
    public string UnknownToken { get; init; } = "[UNK]";

    /// <summary>The token that starts every encoding. Default <c>[CLS]</c>.</summary>
    public string ClassificationToken { get; init; } = "[CLS]";

    /// <summary>The token that ends each sequence. Default <c>[SEP]</c>.</summary>
    public string SeparatorToken { get; init; } = "[SEP]";

    /// <summary>The token that fills batches to a common length. Default <c>[PAD]</c>.</summary>
    public string PaddingToken { get; init; } = "[PAD]";

    /// <summary>The masked-language-model token. Default <c>[MASK]</c>; a vocabulary may lack it.</summary>
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>The prefix that marks a piece continuing a word. Default <c>##</c>.</summary>
    public string ContinuingSubwordPrefix { get; init; } = "##";

    /// <summary>Words longer than this many code points become one unknown token. Default 100.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    /// <summary>The longest encoding the model accepts, special tokens included (<c>model_max_length</c>). Default 512.</summary>
    public int ModelMaxLength { get; init; } = 512;

    /// <summary>
    /// Tokens recognized verbatim in raw text before normalization, besides the special tokens above
    /// (which always are): the <c>added_tokens</c> of <c>tokenizer.json</c>. Each must be in the vocabulary.
    /// </summary>
    public IReadOnlyList<string> AddedTokens { get; init; } = [];

    internal Normalization.NormalizerSettings ToSettings() =>
        new(CleanText, TokenizeChineseChars, LowerCase, StripAccents ?? LowerCase);

    internal void Validate()
    {
        if (MaxInputCharsPerWord < 1)
        {
            TokenizerThrow.InvalidOption(nameof(MaxInputCharsPerWord), MaxInputCharsPerWord, "at least 1");
        }

        if (ModelMaxLength < 2)
        {
            TokenizerThrow.InvalidOption(nameof(ModelMaxLength), ModelMaxLength, "at least 2 (room for [CLS] and [SEP])");
        }

        foreach (var (name, value) in new[]
                 {
                     (nameof(UnknownToken), UnknownToken), (nameof(ClassificationToken), ClassificationToken),
                     (nameof(SeparatorToken), SeparatorToken), (nameof(PaddingToken), PaddingToken),
                 })
        {
            if (string.IsNullOrEmpty(value))
            {
                TokenizerThrow.InvalidOption(name, value, "a non-empty token");
            }
        }
    }
}
