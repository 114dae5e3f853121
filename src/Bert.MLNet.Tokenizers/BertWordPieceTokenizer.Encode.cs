namespace Bert.MLNet.Tokenizers;

public sealed partial class BertWordPieceTokenizer
{
    /// <summary>
    /// Encodes one text as <c>[CLS] text [SEP]</c>, truncated to <paramref name="maxLength"/> tokens
    /// (special tokens included; default <see cref="BertTokenizerOptions.ModelMaxLength"/>).
    /// <see cref="BertEncoding.Truncated"/> and <see cref="BertEncoding.TokenCount"/> say whether and how much was cut.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 2.</exception>
    public BertEncoding Encode(string text, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = ResolveMaxLength(maxLength, EncodingLayout.SpecialTokens);
        var sink = TokenSink.Rent();
        TokenizeInto(text, sink);
        var keep = Math.Min(sink.Count, max - EncodingLayout.SpecialTokens);
        return Build(sink, 0, keep, -1, 0, sink.Count, keep < sink.Count);
    }

    /// <summary>
    /// Encodes a text pair as <c>[CLS] first [SEP] second [SEP]</c> with type ids 0 then 1. When the pair is
    /// longer than <paramref name="maxLength"/>, the longer text is cut first, as Hugging Face's
    /// <c>longest_first</c> strategy does (the shorter keeps at least half the room).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 3.</exception>
    public BertEncoding Encode(string first, string second, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var max = ResolveMaxLength(maxLength, 3);
        var sink = TokenSink.Rent();
        TokenizeInto(first, sink);
        var firstCount = sink.Count;
        TokenizeInto(second, sink);
        var secondCount = sink.Count - firstCount;
        var (keepFirst, keepSecond) = LongestFirst(firstCount, secondCount, max - 3);
        return Build(sink, 0, keepFirst, firstCount, keepSecond, firstCount + secondCount,
            keepFirst < firstCount || keepSecond < secondCount);
    }

    /// <summary>
    /// Encodes a long text as overlapping windows, each <c>[CLS] piece [SEP]</c> of at most
    /// <paramref name="maxLength"/> tokens, where each window repeats the last <paramref name="stride"/> tokens
    /// of the one before (Hugging Face's overflowing tokens). A text that fits gives one window; nothing is lost.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 3, or <paramref name="stride"/> is negative or leaves no room for new tokens.</exception>
    public IReadOnlyList<BertEncoding> EncodeWindows(string text, int maxLength, int stride)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = ResolveMaxLength(maxLength, 3);
        if (!EncodingLayout.StrideFits(max, stride))
        {
            TokenizerThrow.InvalidOption(nameof(stride), stride, EncodingLayout.StrideExpected(max));
        }

        var sink = TokenSink.Rent();
        TokenizeInto(text, sink);
        var truncated = sink.Count > max - EncodingLayout.SpecialTokens;
        return [.. EncodingLayout.Windows(sink.Count, max, stride).Select(w => Build(sink, w.Start, w.Count, -1, 0, sink.Count, truncated))];
    }

    /// <summary>The WordPiece tokens of a text, without special tokens and without truncation.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = TokenSink.Rent();
        TokenizeInto(text, sink);
        var tokens = new string[sink.Count];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = vocabulary[sink.Ids[i]];
        }

        return tokens;
    }

    /// <summary>
    /// The number of WordPiece tokens in a text, without special tokens and without truncation. Allocates nothing.
    /// (<see cref="Microsoft.ML.Tokenizers.Tokenizer.CountTokens(string, bool, bool)"/> counts <c>[CLS]</c> and <c>[SEP]</c> too.)
    /// </summary>
    public int CountWordPieces(ReadOnlySpan<char> text)
    {
        var sink = TokenSink.Rent();
        TokenizeInto(text, sink);
        return sink.Count;
    }

    /// <summary>
    /// Writes <c>[CLS] text [SEP]</c> into <paramref name="inputIds"/>, truncated to its length, and returns the
    /// number of ids written. Allocates nothing; <paramref name="tokenCount"/> is the text's WordPiece count before
    /// truncation (truncated when it exceeds the returned length minus 2).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="inputIds"/> holds fewer than 2 values.</exception>
    public int EncodeToIds(ReadOnlySpan<char> text, Span<long> inputIds, out int tokenCount)
    {
        if (inputIds.Length < EncodingLayout.SpecialTokens)
        {
            TokenizerThrow.BufferTooSmall(nameof(inputIds), inputIds.Length, EncodingLayout.SpecialTokens);
        }

        var sink = TokenSink.Rent();
        TokenizeInto(text, sink);
        tokenCount = sink.Count;
        var keep = Math.Min(sink.Count, inputIds.Length - EncodingLayout.SpecialTokens);
        return EncodingLayout.Frame(sink.Ids.AsSpan(0, keep), ClassificationId, SeparatorId, inputIds);
    }

    private int ResolveMaxLength(int? maxLength, int minimum)
    {
        var max = maxLength ?? Options.ModelMaxLength;
        if (max < minimum)
        {
            TokenizerThrow.InvalidOption(nameof(maxLength), max, $"at least {minimum} (room for the special tokens)");
        }

        return max;
    }

    // Hugging Face's longest_first for pairs: cut only the longer while the shorter fits in half the room,
    // otherwise give the shorter half the room (rounded down) and the longer the rest.
    internal static (int First, int Second) LongestFirst(int first, int second, int room)
    {
        if (first + second <= room)
        {
            return (first, second);
        }

        var swap = first > second;
        var shorter = swap ? second : first;
        int keepShorter, keepLonger;
        if (2 * shorter <= room)
        {
            keepShorter = shorter;
            keepLonger = room - shorter;
        }
        else
        {
            keepShorter = room / 2;
            keepLonger = room / 2 + room % 2;
        }

        return swap ? (keepLonger, keepShorter) : (keepShorter, keepLonger);
    }

    private BertEncoding Build(TokenSink sink, int firstStart, int firstCount, int secondStart, int secondCount,
        int tokenCount, bool truncated)
    {
        var pair = secondStart >= 0;
        var length = firstCount + EncodingLayout.SpecialTokens + (pair ? secondCount + 1 : 0);
        var ids = new int[length];
        var typeIds = new int[length];
        var offsets = new TokenOffset[length];
        var at = EncodingLayout.Frame(sink.Ids.AsSpan(firstStart, firstCount), ClassificationId, SeparatorId, ids.AsSpan());
        for (var i = 0; i < firstCount; i++)
        {
            offsets[1 + i] = new TokenOffset(sink.Starts[firstStart + i], sink.Ends[firstStart + i]);
        }

        if (pair)
        {
            // The second text follows the first's [SEP], with type 1 and a [SEP] of its own.
            sink.Ids.AsSpan(secondStart, secondCount).CopyTo(ids.AsSpan(at));
            ids[^1] = SeparatorId;
            typeIds.AsSpan(at).Fill(1);
            for (var i = 0; i < secondCount; i++)
            {
                offsets[at + i] = new TokenOffset(sink.Starts[secondStart + i], sink.Ends[secondStart + i]);
            }
        }

        var tokens = new string[length];
        for (var i = 0; i < length; i++)
        {
            tokens[i] = vocabulary[ids[i]];
        }

        return new BertEncoding(ids, typeIds, offsets, tokens, tokenCount, truncated);
    }
}
