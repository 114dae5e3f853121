using System.Runtime.CompilerServices;

namespace Bert.MLNet.Tokenizers;

/// <summary>
/// The WordPiece vocabulary: id of each token, and the greedy longest-match-first split of a word into
/// pieces. Word-start pieces and continuation pieces (<c>##ing</c>) are kept in two tables keyed by their
/// text without the prefix, so a lookup never builds a string.
/// </summary>
internal sealed class WordPieceVocabulary
{
    private readonly string[] tokens;
    private readonly Dictionary<string, int> byToken;
    private readonly PieceTable wordStarts;
    private readonly PieceTable continuations;

    internal WordPieceVocabulary(string[] tokens, string continuingSubwordPrefix, int unknownId, int maxInputCharsPerWord)
    {
        this.tokens = tokens;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        UnknownId = unknownId;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        byToken = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        var starts = new List<(string, int)>(tokens.Length);
        var continues = new List<(string, int)>(tokens.Length / 4);
        for (var id = 0; id < tokens.Length; id++)
        {
            var token = tokens[id];
            byToken.TryAdd(token, id);
            starts.Add((token, id));
            if (continuingSubwordPrefix.Length > 0 && token.Length > continuingSubwordPrefix.Length
                && token.StartsWith(continuingSubwordPrefix, StringComparison.Ordinal))
            {
                continues.Add((token[continuingSubwordPrefix.Length..], id));
            }
        }

        wordStarts = new PieceTable(starts);
        continuations = new PieceTable(continues);
    }

    internal string ContinuingSubwordPrefix { get; }

    internal int UnknownId { get; }

    internal int MaxInputCharsPerWord { get; }

    internal int Count => tokens.Length;

    internal IReadOnlyList<string> Tokens => tokens;

    internal string this[int id] => tokens[id];

    internal bool TryGetId(string token, out int id) => byToken.TryGetValue(token, out id);

    /// <summary>
    /// Splits one pre-token whose characters are all single UTF-16 units (ASCII in practice) and writes its
    /// pieces. <paramref name="start"/> is the offset of <paramref name="word"/>'s first character in the text.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SplitSimple(ReadOnlySpan<char> word, int start, TokenSink sink)
    {
        // Most words are whole entries: one lookup and done.
        if (wordStarts.TryGet(word, out var whole))
        {
            sink.Add(whole, start, start + word.Length);
            return;
        }

        SplitSimpleSlow(word, start, sink);
    }

    private void SplitSimpleSlow(ReadOnlySpan<char> word, int start, TokenSink sink)
    {
        if (word.Length > MaxInputCharsPerWord)
        {
            sink.Add(UnknownId, start, start + word.Length);
            return;
        }

        var mark = sink.Count;
        var from = 0;
        while (from < word.Length)
        {
            var to = word.Length;
            var found = -1;
            var table = from == 0 ? wordStarts : continuations;
            while (to > from)
            {
                if (table.TryGet(word[from..to], out found))
                {
                    break;
                }

                to--;
            }

            if (to == from)
            {
                sink.Count = mark; // a word with any unmatched part is one [UNK]
                sink.Add(UnknownId, start, start + word.Length);
                return;
            }

            sink.Add(found, start + from, start + to);
            from = to;
        }
    }

    /// <summary>
    /// Splits one normalized word that may hold surrogate pairs. <paramref name="runeStarts"/> gives the
    /// UTF-16 index of each code point (plus the word's length at the end), since the long-word limit and the
    /// match boundaries count code points; <paramref name="alignStart"/> and <paramref name="alignEnd"/> give
    /// each code point's range in the original text.
    /// </summary>
    internal void SplitAligned(ReadOnlySpan<char> word, ReadOnlySpan<int> runeStarts, ReadOnlySpan<int> alignStart,
        ReadOnlySpan<int> alignEnd, TokenSink sink)
    {
        var runes = runeStarts.Length - 1;
        if (runes > MaxInputCharsPerWord)
        {
            sink.Add(UnknownId, alignStart[0], MaxEnd(alignEnd));
            return;
        }

        var mark = sink.Count;
        var from = 0;
        while (from < runes)
        {
            var to = runes;
            var found = -1;
            var table = from == 0 ? wordStarts : continuations;
            while (to > from)
            {
                if (table.TryGet(word[runeStarts[from]..runeStarts[to]], out found))
                {
                    break;
                }

                to--;
            }

            if (to == from)
            {
                sink.Count = mark;
                sink.Add(UnknownId, alignStart[0], MaxEnd(alignEnd));
                return;
            }

            sink.Add(found, alignStart[from], MaxEnd(alignEnd[from..to]));
            from = to;
        }
    }

    // Lowercasing or accent stripping never reorders text, but a removed character widens the one before
    // it, so the widest end in the range is the piece's end.
    private static int MaxEnd(ReadOnlySpan<int> ends)
    {
        var max = ends[0];
        foreach (var end in ends)
        {
            max = Math.Max(max, end);
        }

        return max;
    }
}
