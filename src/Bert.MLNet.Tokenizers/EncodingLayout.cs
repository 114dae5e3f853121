using System.Numerics;

namespace Bert.MLNet.Tokenizers;

/// <summary>
/// How one text's WordPieces become the encodings a BERT model runs: <c>[CLS] pieces [SEP]</c>, cut to a maximum
/// length, or split into windows that each repeat the last <c>stride</c> pieces of the one before. The tokenizer and
/// the embedding path (with any other tokenizer's pieces) both lay texts out here, so they cut and window alike.
/// </summary>
internal static class EncodingLayout
{
    /// <summary>The special tokens around a single text: <c>[CLS]</c> and <c>[SEP]</c>.</summary>
    internal const int SpecialTokens = 2;

    /// <summary>
    /// Whether windows of <paramref name="maxLength"/> tokens can overlap by <paramref name="stride"/> pieces: each
    /// window must move forward, so the stride stays below the pieces a window holds.
    /// </summary>
    internal static bool StrideFits(int maxLength, int stride) => stride >= 0 && stride < maxLength - SpecialTokens;

    /// <summary>What <see cref="StrideFits"/> expects, for messages that name the caller's own option.</summary>
    internal static string StrideExpected(int maxLength) =>
        $"0 to {maxLength - SpecialTokens - 1}: windows of {maxLength} tokens hold {maxLength - SpecialTokens} besides [CLS] and [SEP], " +
        "and each window must move forward";

    /// <summary>
    /// The windows of a text of <paramref name="pieces"/> WordPieces, as (first piece, piece count). A text that fits
    /// is one window; every piece is in at least one. The stride must fit (<see cref="StrideFits"/>).
    /// </summary>
    internal static List<(int Start, int Count)> Windows(int pieces, int maxLength, int stride)
    {
        var room = maxLength - SpecialTokens;
        var windows = new List<(int, int)>();
        for (var start = 0; ; start += room - stride)
        {
            var end = Math.Min(start + room, pieces);
            windows.Add((start, end - start));
            if (end == pieces)
            {
                return windows;
            }
        }
    }

    /// <summary>
    /// Writes <c>first pieces last</c> into <paramref name="target"/> and returns the length written:
    /// <paramref name="pieces"/>.Length + 2. <paramref name="first"/> and <paramref name="last"/> are the special tokens,
    /// <c>[CLS]</c> and <c>[SEP]</c> for our tokenizer (another tokenizer's own first and last ids).
    /// </summary>
    internal static int Frame<T>(ReadOnlySpan<int> pieces, int first, int last, Span<T> target)
        where T : IBinaryInteger<T>
    {
        target[0] = T.CreateTruncating(first);
        for (var i = 0; i < pieces.Length; i++)
        {
            target[i + 1] = T.CreateTruncating(pieces[i]);
        }

        target[pieces.Length + 1] = T.CreateTruncating(last);
        return pieces.Length + SpecialTokens;
    }
}
