using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace Bert.MLNet.Tokenizers;

// The Microsoft.ML.Tokenizers.Tokenizer contract. Every encoding is [CLS] text [SEP], as Hugging Face's
// tokenizer gives by default and as ML.NET's BertTokenizer does; offsets are UTF-16 ranges in the original
// text ([CLS] and [SEP] get the empty range 0..0, as in Hugging Face's offset mapping). A token limit
// (EncodeSettings.MaxTokenCount, maxTokenCount) counts the special tokens and keeps WordPiece pieces, so a
// word may be cut between its pieces, as Hugging Face's truncation does.
public sealed partial class BertWordPieceTokenizer
{
    /// <summary>Encodes a text as <c>[CLS] text [SEP]</c> tokens with their ids, strings and offsets in the original text.</summary>
    /// <remarks><see cref="EncodeResults{T}.NormalizedText"/> is always null: offsets refer to the text as given.</remarks>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var (sink, keep, length) = Pieces(text, textSpan, settings);
        if (keep < 0)
        {
            return new EncodeResults<EncodedToken> { Tokens = [], CharsConsumed = 0 };
        }

        var consumed = Consumed(sink, keep, length);
        var ids = Framed(sink, keep);
        var tokens = new EncodedToken[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var special = i == 0 || i == ids.Length - 1;
            tokens[i] = new EncodedToken(ids[i], vocabulary[ids[i]], special ? new Range(0, 0) : new Range(sink.Starts[i - 1], sink.Ends[i - 1]));
        }

        return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = consumed };
    }

    /// <summary>Encodes a text as the ids of <c>[CLS] text [SEP]</c>.</summary>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var (sink, keep, length) = Pieces(text, textSpan, settings);
        if (keep < 0)
        {
            return new EncodeResults<int> { Tokens = [], CharsConsumed = 0 };
        }

        return new EncodeResults<int> { Tokens = Framed(sink, keep), CharsConsumed = Consumed(sink, keep, length) };
    }

    // The ids of [CLS], the first `keep` pieces and [SEP].
    private int[] Framed(TokenSink sink, int keep)
    {
        var ids = new int[keep + EncodingLayout.SpecialTokens];
        EncodingLayout.Frame(sink.Ids.AsSpan(0, keep), ClassificationId, SeparatorId, ids.AsSpan());
        return ids;
    }

    /// <summary>The number of ids <see cref="Tokenizer.EncodeToIds(string, bool, bool)"/> gives: the text's pieces plus <c>[CLS]</c> and <c>[SEP]</c>.</summary>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var pieces = CountWordPieces(text is null ? textSpan : text.AsSpan());
        return Math.Max(0, KeptPieces(pieces, settings.MaxTokenCount) + EncodingLayout.SpecialTokens);
    }

    /// <summary>
    /// Where to cut the text so that its encoding holds at most <c>MaxTokenCount</c> ids (special tokens
    /// included): from the start, the index just after the last piece kept; from the end, the index of the
    /// first piece kept.
    /// </summary>
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd,
        out string? normalizedText, out int tokenCount)
    {
        normalizedText = null;
        var (sink, keep, length) = Pieces(text, textSpan, settings);
        if (keep < 0)
        {
            tokenCount = 0;
            return fromEnd ? length : 0;
        }

        tokenCount = keep + EncodingLayout.SpecialTokens;
        if (!fromEnd)
        {
            return Consumed(sink, keep, length);
        }

        return keep == sink.Count ? 0 : keep == 0 ? length : sink.Starts[sink.Count - keep];
    }

    /// <summary>Decodes ids to text (see <see cref="Decode(ReadOnlySpan{int}, bool, bool)"/>), skipping special tokens.</summary>
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: true, cleanUpSpaces: true);

    /// <summary>
    /// Decodes ids into <paramref name="destination"/>, skipping special tokens. When the text does not fit, writes the
    /// longest prefix of the ids whose text fits and returns <see cref="OperationStatus.DestinationTooSmall"/>.
    /// </summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var all = ids.ToArray();
        var text = Decode(all.AsSpan());
        if (text.Length <= destination.Length)
        {
            text.CopyTo(destination);
            (idsConsumed, charsWritten) = (all.Length, text.Length);
            return OperationStatus.Done;
        }

        // The decoded length grows with the number of ids, so the longest prefix that fits is found by bisection.
        int low = 0, high = all.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (Decode(all.AsSpan(0, middle)).Length <= destination.Length)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        var prefix = Decode(all.AsSpan(0, low));
        prefix.CopyTo(destination);
        (idsConsumed, charsWritten) = (low, prefix.Length);
        return OperationStatus.DestinationTooSmall;
    }

    // The text's pieces in the calling thread's sink, how many of them the limit keeps, and the text's length.
    private (TokenSink Sink, int Keep, int Length) Pieces(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var input = text is null ? textSpan : text.AsSpan();
        var sink = TokenSink.Rent();
        TokenizeInto(input, sink);
        return (sink, KeptPieces(sink.Count, settings.MaxTokenCount), input.Length);
    }

    // How many pieces fit beside [CLS] and [SEP] within a token limit; -1 when not even the special tokens fit.
    private static int KeptPieces(int pieces, int maxTokenCount) =>
        maxTokenCount < EncodingLayout.SpecialTokens ? -1 : (int)Math.Min(pieces, (long)maxTokenCount - EncodingLayout.SpecialTokens);

    // The part of the text the kept pieces cover: all of it when nothing was cut, else up to the last kept piece's end.
    private static int Consumed(TokenSink sink, int keep, int length) =>
        keep == sink.Count ? length : keep == 0 ? 0 : sink.Ends[keep - 1];
}
