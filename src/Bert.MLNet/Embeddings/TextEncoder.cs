using Bert.MLNet.Tokenizers;
using Microsoft.ML.Tokenizers;

namespace Bert.MLNet.Embeddings;

/// <summary>
/// Turns one text into the encodings the model runs: one, truncated to the maximum length, or overlapping
/// windows. The same rule serves the in-memory path and the saved model's tokenization, so both run the same ids.
/// </summary>
/// <remarks>
/// Any <see cref="Tokenizer"/> works. Ours gives <c>[CLS] text [SEP]</c> itself, and so does ML.NET's
/// <see cref="BertTokenizer"/> (asked with <c>addSpecialTokens</c>); another tokenizer must add its special tokens in
/// <see cref="Tokenizer.EncodeToIds(string, bool, bool)"/>: its first and last ids are kept when a text is truncated
/// or split into windows.
/// </remarks>
internal sealed class TextEncoder
{
    private readonly BertWordPieceTokenizer? ours;
    private readonly Tokenizer tokenizer;
    private readonly long vocabularyRows;

    internal TextEncoder(Tokenizer tokenizer, int maxLength, LongTextHandling longText, int stride, long vocabularyRows)
    {
        this.tokenizer = tokenizer;
        ours = tokenizer as BertWordPieceTokenizer;
        MaxLength = maxLength;
        LongText = longText;
        Stride = stride;
        this.vocabularyRows = vocabularyRows;
    }

    internal int MaxLength { get; }

    internal LongTextHandling LongText { get; }

    internal int Stride { get; }

    internal Tokenizer Tokenizer => tokenizer;

    /// <summary>
    /// The segments of many texts (one per text, or one per window), with each text's WordPiece count, whether it was
    /// cut and its window count. <paramref name="firstRow"/> is the row number of <c>texts[0]</c>, for messages.
    /// </summary>
    /// <exception cref="ArgumentException">A text is null (the message names its row), or another tokenizer gave an id outside the vocabulary.</exception>
    internal (List<Segment> Segments, int[] TokenCounts, bool[] Truncated, int[] WindowCounts) EncodeAll(IReadOnlyList<string> texts, long firstRow)
    {
        var segments = new List<Segment>(texts.Count);
        var tokenCounts = new int[texts.Count];
        var truncated = new bool[texts.Count];
        var windowCounts = new int[texts.Count];
        for (var row = 0; row < texts.Count; row++)
        {
            var text = texts[row] ?? throw BertErrors.Invalid(nameof(texts), $"Text at row {firstRow + row} is null; every row needs a string (use \"\" for empty).");
            var (encodings, tokenCount, cut) = Encode(text, firstRow + row);
            foreach (var ids in encodings)
            {
                segments.Add(new Segment(row, ids));
            }

            tokenCounts[row] = tokenCount;
            truncated[row] = cut;
            windowCounts[row] = encodings.Length;
        }

        return (segments, tokenCounts, truncated, windowCounts);
    }

    /// <summary>The encodings of one text (each with its special tokens), its WordPiece count and whether it was cut.</summary>
    /// <exception cref="ArgumentException">Another tokenizer gave an id outside the model's vocabulary (the message names the row).</exception>
    internal (int[][] Encodings, int TokenCount, bool Truncated) Encode(string text, long row)
    {
        if (ours is not null)
        {
            if (LongText == LongTextHandling.Window)
            {
                var windows = ours.EncodeWindows(text, MaxLength, Stride);
                return ([.. windows.Select(w => w.Ids.ToArray())], windows[0].TokenCount, false);
            }

            var encoding = ours.Encode(text, MaxLength);
            return ([[.. encoding.Ids]], encoding.TokenCount, encoding.Truncated);
        }

        // ML.NET's BertTokenizer adds [CLS] and [SEP] only when asked through its own overload.
        var ids = tokenizer is BertTokenizer bert ? bert.EncodeToIds(text, addSpecialTokens: true) : tokenizer.EncodeToIds(text);
        foreach (var id in ids)
        {
            if (id < 0 || id >= vocabularyRows)
            {
                throw BertErrors.Row(row,
                    $"the tokenizer ({tokenizer.GetType().Name}) gave id {id}, outside the model's vocabulary of {vocabularyRows} tokens; the tokenizer and the model do not belong together.");
            }
        }

        if (ids.Count < 2)
        {
            throw BertErrors.Row(row,
                $"the tokenizer ({tokenizer.GetType().Name}) gave {ids.Count} ids; a BERT encoding needs its special tokens ([CLS] ... [SEP]), so the tokenizer must add them.");
        }

        // Their own first and last ids frame every cut or window, as [CLS] and [SEP] frame ours.
        var pieces = ids.Count - EncodingLayout.SpecialTokens;
        if (pieces <= MaxLength - EncodingLayout.SpecialTokens)
        {
            return ([[.. ids]], pieces, false);
        }

        var inner = ids.Skip(1).Take(pieces).ToArray();

        if (LongText == LongTextHandling.Truncate)
        {
            return ([Framed(inner.AsSpan(0, MaxLength - EncodingLayout.SpecialTokens), ids[0], ids[^1])], pieces, true);
        }

        return ([.. EncodingLayout.Windows(pieces, MaxLength, Stride).Select(w => Framed(inner.AsSpan(w.Start, w.Count), ids[0], ids[^1]))], pieces, false);

        static int[] Framed(ReadOnlySpan<int> pieces, int first, int last)
        {
            var framed = new int[pieces.Length + EncodingLayout.SpecialTokens];
            EncodingLayout.Frame(pieces, first, last, framed.AsSpan());
            return framed;
        }
    }
}
