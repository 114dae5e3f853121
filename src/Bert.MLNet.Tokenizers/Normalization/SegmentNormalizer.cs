using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Bert.MLNet.Tokenizers.Normalization;

/// <summary>
/// The general path for one whitespace-free segment of text that holds anything beyond printable ASCII:
/// cleans, isolates CJK ideographs, lowercases (one code point at a time, as Rust's <c>char::to_lowercase</c>: no final-sigma rule),
/// strips accents (NFD, then drop non-spacing marks), splits off punctuation, and hands each word to
/// WordPiece with every code point's range in the original text.
/// </summary>
/// <remarks>
/// A character that normalization removes (a control character, an accent) widens the range of the kept
/// character before it, as Hugging Face's tokenizers align offsets; one with nothing kept before it in the
/// segment is dropped. Instances are per thread and reuse their buffers.
/// </remarks>
internal sealed class SegmentNormalizer
{
    private const byte InWord = 0;
    private const byte Alone = 1;

    [ThreadStatic]
    private static SegmentNormalizer? perThread;

    private static readonly ConcurrentDictionary<int, string> Decompositions = new();

    private char[] chars = new char[128];
    private int[] runeStarts = new int[129];
    private int[] alignStart = new int[128];
    private int[] alignEnd = new int[128];
    private byte[] kinds = new byte[128];
    private int charCount;
    private int runeCount;

    internal static SegmentNormalizer ForThread() => perThread ??= new SegmentNormalizer();

    /// <summary>Normalizes <c>text[start..end]</c> and writes its WordPiece tokens.</summary>
    internal void Tokenize(ReadOnlySpan<char> text, int start, int end, NormalizerSettings settings,
        WordPieceVocabulary vocabulary, TokenSink sink)
    {
        Normalize(text, start, end, settings);
        var from = 0;
        while (from < runeCount)
        {
            var to = from + 1;
            if (kinds[from] == InWord)
            {
                while (to < runeCount && kinds[to] == InWord)
                {
                    to++;
                }
            }

            vocabulary.SplitAligned(chars.AsSpan(0, charCount), runeStarts.AsSpan(from, to - from + 1),
                alignStart.AsSpan(from, to - from), alignEnd.AsSpan(from, to - from), sink);
            from = to;
        }
    }

    /// <summary>Appends the normalized text of <c>text[start..end]</c>, words separated by spaces.</summary>
    internal void AppendNormalized(ReadOnlySpan<char> text, int start, int end, NormalizerSettings settings, StringBuilder output)
    {
        Normalize(text, start, end, settings);
        for (var r = 0; r < runeCount; r++)
        {
            var alone = kinds[r] == Alone;
            if ((alone || r > 0 && kinds[r - 1] == Alone) && output.Length > 0 && output[^1] != ' ')
            {
                output.Append(' ');
            }

            output.Append(chars, runeStarts[r], runeStarts[r + 1] - runeStarts[r]);
        }
    }

    private void Normalize(ReadOnlySpan<char> text, int start, int end, NormalizerSettings settings)
    {
        charCount = 0;
        runeCount = 0;
        var i = start;
        while (i < end)
        {
            var status = Rune.DecodeFromUtf16(text[i..end], out var rune, out var used);
            var next = i + used;
            if (status != OperationStatus.Done)
            {
                // A lone surrogate: category Cs, so cleaning drops it; without cleaning it passes through.
                if (settings.CleanText)
                {
                    Absorb(next);
                }
                else
                {
                    Append(text.Slice(i, 1), i, next, InWord);
                }

                i = next;
                continue;
            }

            if (settings.CleanText && CharClass.IsRemovedByCleaning(rune))
            {
                Absorb(next);
                i = next;
                continue;
            }

            var kind = settings.TokenizeChineseChars && CharClass.IsChineseCharacter(rune.Value) ? Alone : InWord;
            if (settings.LowerCase)
            {
                if (rune.Value == 0x130)
                {
                    // The one unconditional multi-character lowercase mapping: İ -> i + combining dot above.
                    AppendStripped(new Rune('i'), i, next, kind, settings);
                    AppendStripped(new Rune(0x307), i, next, kind, settings);
                    i = next;
                    continue;
                }

                rune = Rune.ToLowerInvariant(rune);
            }

            AppendStripped(rune, i, next, kind, settings);
            i = next;
        }

        runeStarts[runeCount] = charCount;
    }

    private void AppendStripped(Rune rune, int start, int end, byte kind, NormalizerSettings settings)
    {
        if (!settings.StripAccents || rune.Value < 0xC0)
        {
            AppendRune(rune, start, end, kind);
            return;
        }

        var decomposed = Decompositions.GetOrAdd(rune.Value, Decompose);
        foreach (var part in decomposed.EnumerateRunes())
        {
            if (CharClass.IsStrippedMark(part))
            {
                Absorb(end);
            }
            else
            {
                AppendRune(part, start, end, kind);
            }
        }
    }

    // NFD of one code point. ICU refuses some valid ones (the noncharacter U+FFFE); they have no decomposition.
    private static string Decompose(int value)
    {
        var text = new Rune(value).ToString();
        try
        {
            return text.Normalize(NormalizationForm.FormD);
        }
        catch (ArgumentException)
        {
            return text;
        }
    }

    private void AppendRune(Rune rune, int start, int end, byte kind)
    {
        Span<char> utf16 = stackalloc char[2];
        var length = rune.EncodeToUtf16(utf16);
        if (kind == InWord && CharClass.IsPunctuation(rune))
        {
            kind = Alone;
        }

        Append(utf16[..length], start, end, kind);
    }

    private void Append(ReadOnlySpan<char> utf16, int start, int end, byte kind)
    {
        if (runeCount + 1 >= alignStart.Length || charCount + utf16.Length > chars.Length)
        {
            Grow();
        }

        runeStarts[runeCount] = charCount;
        alignStart[runeCount] = start;
        alignEnd[runeCount] = end;
        kinds[runeCount] = kind;
        utf16.CopyTo(chars.AsSpan(charCount));
        charCount += utf16.Length;
        runeCount++;
    }

    // A removed character widens the last kept one; with none kept yet it is dropped.
    private void Absorb(int end)
    {
        if (runeCount > 0)
        {
            alignEnd[runeCount - 1] = Math.Max(alignEnd[runeCount - 1], end);
        }
    }

    private void Grow()
    {
        var size = chars.Length * 2;
        Array.Resize(ref chars, size);
        Array.Resize(ref runeStarts, size + 1);
        Array.Resize(ref alignStart, size);
        Array.Resize(ref alignEnd, size);
        Array.Resize(ref kinds, size);
    }
}
