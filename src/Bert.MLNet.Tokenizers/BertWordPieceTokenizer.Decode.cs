using System.Text;
using Bert.MLNet.Tokenizers.Normalization;

namespace Bert.MLNet.Tokenizers;

public sealed partial class BertWordPieceTokenizer
{
    /// <summary>
    /// Turns ids back into text as Hugging Face's WordPiece decoder does: continuation pieces join the piece
    /// before them, other tokens are separated by a space, and with <paramref name="cleanUpSpaces"/> the spaces
    /// English puts nowhere are removed (before <c>. , ! ?</c> and contractions such as <c>n't</c>).
    /// The result is the normalized text (lowercased for uncased models), not the original.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = true, bool cleanUpSpaces = true)
    {
        var text = new StringBuilder();
        var first = true;
        foreach (var id in ids)
        {
            var token = GetToken(id);
            if (skipSpecialTokens && isSpecial[id])
            {
                continue;
            }

            var piece = first ? token
                : token.StartsWith(Options.ContinuingSubwordPrefix, StringComparison.Ordinal) && Options.ContinuingSubwordPrefix.Length > 0
                    ? token[Options.ContinuingSubwordPrefix.Length..]
                    : " " + token;
            first = false;
            text.Append(piece);
        }

        return cleanUpSpaces ? CleanUp(text.ToString()) : text.ToString();
    }

    /// <inheritdoc cref="Decode(ReadOnlySpan{int}, bool, bool)"/>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true, bool cleanUpSpaces = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Decode(ids.ToArray().AsSpan(), skipSpecialTokens, cleanUpSpaces);
    }

    /// <inheritdoc cref="Decode(ReadOnlySpan{int}, bool, bool)"/>
    public string Decode(ReadOnlySpan<long> ids, bool skipSpecialTokens = true, bool cleanUpSpaces = true)
    {
        var narrowed = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            narrowed[i] = ids[i] is >= int.MinValue and <= int.MaxValue ? (int)ids[i] : -1;
        }

        return Decode(narrowed.AsSpan(), skipSpecialTokens, cleanUpSpaces);
    }

    /// <summary>
    /// The text as the tokenizer sees it after normalization: control characters dropped, whitespace runs and
    /// punctuation separated by single spaces, CJK ideographs spaced, lowercased and accents stripped as
    /// configured. Special tokens written in the text are kept verbatim. Useful to see why a text tokenizes as it does.
    /// </summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new StringBuilder(text.Length);
        var normalizer = SegmentNormalizer.ForThread();
        var segmentStart = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var boundary = i == text.Length
                || EndsSegment(text[i]);
            var added = boundary ? -1 : MatchAddedTokenAt(text, i);
            if (boundary || added >= 0)
            {
                if (segmentStart >= 0)
                {
                    AppendSpace(output);
                    normalizer.AppendNormalized(text, segmentStart, i, settings, output);
                    segmentStart = -1;
                }

                if (added >= 0)
                {
                    AppendSpace(output);
                    output.Append(addedTokens[added]);
                    i += addedTokens[added].Length - 1;
                }
            }
            else if (segmentStart < 0)
            {
                segmentStart = i;
            }
        }

        return output.ToString().Trim();

        static void AppendSpace(StringBuilder output)
        {
            if (output.Length > 0 && output[^1] != ' ')
            {
                output.Append(' ');
            }
        }
    }

    private int MatchAddedTokenAt(string text, int at) =>
        addedTokenStarts!.Contains(text[at]) ? MatchAddedToken(text.AsSpan(at)) : -1;

    // transformers' clean_up_tokenization, over the whole decoded text.
    private static string CleanUp(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
