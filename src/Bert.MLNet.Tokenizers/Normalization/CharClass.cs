using System.Runtime.CompilerServices;
using System.Text;

namespace Bert.MLNet.Tokenizers.Normalization;

/// <summary>
/// Character classes as BERT's normalizer and pre-tokenizer see them, defined by Hugging Face's Rust tokenizers:
/// ASCII by BERT's rules (controls removed, symbols are punctuation); every other code point by the table
/// <c>tools/reference/char-classes.cs</c> writes from the Rust tokenizers themselves. Those carry Unicode tables older
/// than .NET's, so .NET's categories would disagree on some 900 code points; the table also makes the result the same
/// on every .NET version. CJK ideographs are the ranges of the Rust tokenizers' BERT normalizer.
/// </summary>
internal static partial class CharClass
{
    /// <summary>The class of each ASCII character, so the common case is one table load.</summary>
    internal enum Ascii : byte
    {
        /// <summary>A letter, digit or anything else that continues a word.</summary>
        Word,

        /// <summary>Splits words and is dropped.</summary>
        Whitespace,

        /// <summary>A token of its own.</summary>
        Punctuation,

        /// <summary>Dropped by text cleaning; joins the text around it.</summary>
        Control,
    }

    /// <summary>The class of a code point from U+0080 up (the generated table's values).</summary>
    private enum Unicode : byte
    {
        /// <summary>A letter, digit or anything else that continues a word.</summary>
        Word,

        /// <summary>Dropped by text cleaning (controls, format characters, private use, U+FFFD); joins the text around it.</summary>
        Removed,

        /// <summary>Splits words and is dropped.</summary>
        Whitespace,

        /// <summary>A token of its own.</summary>
        Punctuation,

        /// <summary>Part of a word, removed when accents are stripped (after the canonical decomposition).</summary>
        Mark,
    }

    private static readonly Ascii[] AsciiTable = BuildAsciiTable();

    // The Basic Multilingual Plane expanded from the runs, one byte per code point; the other planes are searched.
    private static readonly byte[] BasicPlane = BuildBasicPlane();

    private static Ascii[] BuildAsciiTable()
    {
        var table = new Ascii[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = c switch
            {
                '\t' or '\n' or '\r' or ' ' => Ascii.Whitespace,
                < 32 or 127 => Ascii.Control,
                (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126) => Ascii.Punctuation,
                _ => Ascii.Word,
            };
        }

        return table;
    }

    private static byte[] BuildBasicPlane()
    {
        var plane = new byte[0x10000];
        var starts = RunStarts;
        var classes = RunClasses;
        for (var run = 0; run < starts.Length && starts[run] < plane.Length; run++)
        {
            var end = run + 1 < starts.Length ? Math.Min(starts[run + 1], plane.Length) : plane.Length;
            plane.AsSpan(starts[run], end - starts[run]).Fill(classes[run]);
        }

        return plane;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Ascii OfAscii(char c) => AsciiTable[c];

    // Only for code points from U+0080 up.
    private static Unicode Of(int v)
    {
        if (v < BasicPlane.Length)
        {
            return (Unicode)BasicPlane[v];
        }

        var run = RunStarts.BinarySearch(v);
        return (Unicode)RunClasses[run >= 0 ? run : ~run - 1];
    }

    /// <summary>True for the characters text cleaning drops: controls, format characters, private use, U+FFFD.</summary>
    internal static bool IsRemovedByCleaning(Rune r) =>
        r.Value < 128 ? AsciiTable[r.Value] == Ascii.Control : Of(r.Value) == Unicode.Removed;

    /// <summary>
    /// What splits words: Unicode's White_Space, as Rust's <c>char::is_whitespace</c>. Cleaning removes the controls
    /// among them (U+000B, U+000C, U+0085) before they can split anything.
    /// </summary>
    internal static bool IsWhitespace(int v) => v switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or 0x85 => true,
        < 128 => false,
        _ => Of(v) == Unicode.Whitespace,
    };

    /// <summary>ASCII symbols (BERT treats <c>$</c>, <c>+</c>, <c>^</c> and the like as punctuation) and Unicode P*.</summary>
    internal static bool IsPunctuation(Rune r) =>
        r.Value < 128 ? AsciiTable[r.Value] == Ascii.Punctuation : Of(r.Value) == Unicode.Punctuation;

    /// <summary>A combining mark that stripping accents removes from the decomposed text.</summary>
    internal static bool IsStrippedMark(Rune r) => r.Value >= 128 && Of(r.Value) == Unicode.Mark;

    /// <summary>
    /// The CJK ideograph ranges of the Rust tokenizers' BERT normalizer; each such character becomes a word. It starts
    /// the Extension E range at U+2B920 where Google's original code (and transformers.js) start it at U+2B820.
    /// </summary>
    internal static bool IsChineseCharacter(int v) =>
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x20000 && v <= 0x2A6DF)
        || (v >= 0x2A700 && v <= 0x2B73F) || (v >= 0x2B740 && v <= 0x2B81F) || (v >= 0x2B920 && v <= 0x2CEAF)
        || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x2F800 && v <= 0x2FA1F);
}
