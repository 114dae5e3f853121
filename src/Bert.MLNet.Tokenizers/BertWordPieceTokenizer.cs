using System.Buffers;
using Microsoft.ML.Tokenizers;
using Bert.MLNet.Tokenizers.Normalization;

namespace Bert.MLNet.Tokenizers;

/// <summary>
/// BERT's WordPiece tokenizer with Hugging Face's behavior: the same ids, type ids and offsets as the
/// <c>BertTokenizer</c> of transformers and tokenizers for the same vocabulary and settings. It is a
/// <see cref="Tokenizer"/>, so it serves anywhere Microsoft.ML.Tokenizers' type is accepted; named apart from
/// <see cref="Microsoft.ML.Tokenizers.BertTokenizer"/>, which differs from Hugging Face on symbols, emoji,
/// control characters and accents.
/// </summary>
/// <remarks>
/// Create one with <see cref="Load(string)"/> (a model folder, <c>vocab.txt</c> or <c>tokenizer.json</c>) or
/// <see cref="Create(IEnumerable{string}, BertTokenizerOptions?)"/>. An instance is immutable and every
/// method is safe to call from many threads at once; working buffers are kept per thread, so encoding into
/// caller buffers (<see cref="EncodeToIds(ReadOnlySpan{char}, Span{long}, out int)"/>) or pooled batches
/// (<see cref="EncodeBatch"/>) allocates nothing in steady state.
/// </remarks>
public sealed partial class BertWordPieceTokenizer : Tokenizer
{
    private readonly WordPieceVocabulary vocabulary;
    private readonly NormalizerSettings settings;
    private readonly int[] asciiCharIds;
    private readonly string[] addedTokens;
    private readonly int[] addedTokenIds;
    private readonly SearchValues<char>? addedTokenStarts;
    private readonly bool[] isSpecial;

    private BertWordPieceTokenizer(string[] tokens, BertTokenizerOptions options, string source)
    {
        options.Validate();
        Options = options;
        settings = options.ToSettings();
        if (tokens.Length == 0)
        {
            TokenizerThrow.InvalidFile(source, "the vocabulary is empty; expected one token per line.");
        }

        var ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Length; id++)
        {
            if (!ids.TryAdd(tokens[id], id))
            {
                TokenizerThrow.InvalidFile(source,
                    $"token '{tokens[id]}' appears twice (ids {ids[tokens[id]]} and {id}); every token must be unique.");
            }
        }

        UnknownId = SpecialId(ids, source, "unknown", options.UnknownToken);
        ClassificationId = SpecialId(ids, source, "classification", options.ClassificationToken);
        SeparatorId = SpecialId(ids, source, "separator", options.SeparatorToken);
        PaddingId = SpecialId(ids, source, "padding", options.PaddingToken);
        MaskId = ids.TryGetValue(options.MaskToken, out var mask) ? mask : null;
        vocabulary = new WordPieceVocabulary(tokens, options.ContinuingSubwordPrefix, UnknownId, options.MaxInputCharsPerWord);

        // Special and added tokens are matched verbatim in the raw text, longest first at each position.
        var added = new List<string> { options.UnknownToken, options.ClassificationToken, options.SeparatorToken, options.PaddingToken };
        if (MaskId is not null)
        {
            added.Add(options.MaskToken);
        }

        isSpecial = new bool[tokens.Length];
        foreach (var token in added)
        {
            isSpecial[ids[token]] = true;
        }

        foreach (var token in options.AddedTokens)
        {
            if (!ids.ContainsKey(token))
            {
                TokenizerThrow.InvalidFile(source, $"added token '{token}' is not in the vocabulary.");
            }

            added.Add(token);
        }

        addedTokens = [.. added.Distinct(StringComparer.Ordinal).OrderByDescending(t => t.Length)];
        addedTokenIds = [.. addedTokens.Select(t => ids[t])];
        addedTokenStarts = SearchValues.Create([.. addedTokens.Select(t => t[0]).Distinct()]);

        // Every printable ASCII character alone, as WordPiece would spell it (punctuation is always alone).
        asciiCharIds = new int[128];
        for (var c = 0; c < 128; c++)
        {
            var text = ((char)(settings.LowerCase ? char.ToLowerInvariant((char)c) : (char)c)).ToString();
            asciiCharIds[c] = ids.TryGetValue(text, out var id) ? id : UnknownId;
        }
    }

    /// <summary>The settings this tokenizer runs with.</summary>
    public BertTokenizerOptions Options { get; }

    /// <summary>The number of tokens in the vocabulary; every id is in <c>[0, VocabularySize)</c>.</summary>
    public int VocabularySize => vocabulary.Count;

    /// <summary>Id of the unknown token (<c>[UNK]</c>).</summary>
    public int UnknownId { get; }

    /// <summary>Id of the classification token (<c>[CLS]</c>) that starts every encoding.</summary>
    public int ClassificationId { get; }

    /// <summary>Id of the separator token (<c>[SEP]</c>) that ends each sequence.</summary>
    public int SeparatorId { get; }

    /// <summary>Id of the padding token (<c>[PAD]</c>).</summary>
    public int PaddingId { get; }

    /// <summary>Id of the mask token (<c>[MASK]</c>), or <see langword="null"/> when the vocabulary has none.</summary>
    public int? MaskId { get; }

    /// <summary>The vocabulary, in id order.</summary>
    public IReadOnlyList<string> Vocabulary => vocabulary.Tokens;

    /// <summary>Creates a tokenizer from a vocabulary in id order (the lines of <c>vocab.txt</c>).</summary>
    /// <exception cref="InvalidDataException">The vocabulary is empty, repeats a token or lacks a special token.</exception>
    public static BertWordPieceTokenizer Create(IEnumerable<string> vocabulary, BertTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new BertWordPieceTokenizer([.. vocabulary], options ?? new BertTokenizerOptions(), "vocabulary");
    }

    /// <summary>The token with this id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public string GetToken(int id)
    {
        if ((uint)id >= (uint)vocabulary.Count)
        {
            TokenizerThrow.UnknownId(id, vocabulary.Count);
        }

        return vocabulary[id];
    }

    /// <summary>Looks up a token's id (exact spelling, <c>##</c> prefix included for word continuations).</summary>
    public bool TryGetId(string token, out int id) => vocabulary.TryGetId(token, out id);

    /// <summary>True for the special tokens (<c>[CLS]</c>, <c>[SEP]</c>, <c>[PAD]</c>, <c>[UNK]</c>, <c>[MASK]</c>).</summary>
    public bool IsSpecialToken(int id) => (uint)id < (uint)isSpecial.Length && isSpecial[id];

    private static int SpecialId(Dictionary<string, int> ids, string source, string role, string token)
    {
        if (!ids.TryGetValue(token, out var id))
        {
            TokenizerThrow.MissingSpecialToken(source, role, token);
        }

        return id;
    }

    /// <summary>Writes the WordPiece tokens of <paramref name="text"/> (no special tokens added) into the sink.</summary>
    internal void TokenizeInto(ReadOnlySpan<char> text, TokenSink sink)
    {
        if (text.IndexOfAny(addedTokenStarts!) < 0)
        {
            TokenizePlain(text, 0, text.Length, sink);
            return;
        }

        var pieceStart = 0;
        var at = 0;
        while (at < text.Length)
        {
            var next = text[at..].IndexOfAny(addedTokenStarts!);
            if (next < 0)
            {
                break;
            }

            at += next;
            var match = MatchAddedToken(text[at..]);
            if (match < 0)
            {
                at++;
                continue;
            }

            TokenizePlain(text, pieceStart, at, sink);
            sink.Add(addedTokenIds[match], at, at + addedTokens[match].Length);
            at += addedTokens[match].Length;
            pieceStart = at;
        }

        TokenizePlain(text, pieceStart, text.Length, sink);
    }

    private int MatchAddedToken(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < addedTokens.Length; i++)
        {
            if (text.StartsWith(addedTokens[i], StringComparison.Ordinal))
            {
                return i; // sorted longest first
            }
        }

        return -1;
    }

    // Splits text[start..end] on ASCII whitespace. A segment of printable ASCII (the common case) is split on
    // punctuation and looked up directly; any other segment goes through the general Unicode path.
    private void TokenizePlain(ReadOnlySpan<char> text, int start, int end, TokenSink sink)
    {
        Span<char> lowered = stackalloc char[WordBufferLength];
        var i = start;
        while (i < end)
        {
            var c = text[i];
            if (c is ' ' or '\n' or '\t' or '\r')
            {
                i++;
                continue;
            }

            var rest = text[i..end];
            var length = rest.IndexOfAny(AsciiWhitespace);
            if (length < 0)
            {
                length = rest.Length;
            }

            var segment = rest[..length];
            if (segment.ContainsAnyExceptInRange(' ', '~'))
            {
                TokenizeUnicode(text, i, i + length, sink);
            }
            else
            {
                TokenizeAscii(segment, i, lowered, sink);
            }

            i += length;
        }
    }

    private const int WordBufferLength = 256;

    private static readonly SearchValues<char> AsciiWhitespace = SearchValues.Create(" \n\t\r");

    private void TokenizeAscii(ReadOnlySpan<char> segment, int offset, Span<char> lowered, TokenSink sink)
    {
        var j = 0;
        while (j < segment.Length)
        {
            var c = segment[j];
            if (CharClass.OfAscii(c) == CharClass.Ascii.Punctuation)
            {
                sink.Add(asciiCharIds[c], offset + j, offset + j + 1);
                j++;
                continue;
            }

            var k = j + 1;
            while (k < segment.Length && CharClass.OfAscii(segment[k]) != CharClass.Ascii.Punctuation)
            {
                k++;
            }

            var word = segment[j..k];
            if (word.Length > vocabulary.MaxInputCharsPerWord)
            {
                sink.Add(UnknownId, offset + j, offset + k);
            }
            else if (settings.LowerCase && word.Length <= lowered.Length)
            {
                System.Text.Ascii.ToLower(word, lowered, out var written);
                vocabulary.SplitSimple(lowered[..written], offset + j, sink);
            }
            else
            {
                vocabulary.SplitSimple(settings.LowerCase ? word.ToString().ToLowerInvariant().AsSpan() : word, offset + j, sink);
            }

            j = k;
        }
    }

    // Whitespace splits words, except the whitespace characters that are also control characters (\v, \f,
    // U+FEFF): text cleaning drops those before splitting, so they join the text around them instead.
    private bool EndsSegment(char c) => CharClass.IsWhitespace(c) && !(settings.CleanText && c is '\v' or '\f' or '\u0085');

    // The general path: split on every whitespace character and normalize each piece with offsets tracked
    // through every step.
    private void TokenizeUnicode(ReadOnlySpan<char> text, int start, int end, TokenSink sink)
    {
        var normalizer = SegmentNormalizer.ForThread();
        var segmentStart = start;
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (EndsSegment(c))
            {
                if (i > segmentStart)
                {
                    normalizer.Tokenize(text, segmentStart, i, settings, vocabulary, sink);
                }

                segmentStart = i + 1;
            }
        }

        if (end > segmentStart)
        {
            normalizer.Tokenize(text, segmentStart, end, settings, vocabulary, sink);
        }
    }
}
