using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Bert.MLNet.Tokenizers.Normalization;

/// <summary>
/// Character classes as BERT's normalizer and pre-tokenizer see them. The definitions follow Hugging Face's
/// transformers.js, the reference our parity tests run against: control = Unicode Cc, Cf, Co, Cs (tab, line
/// feed and carriage return excepted); whitespace = JavaScript's <c>\s</c>; punctuation = ASCII symbols and
/// every Unicode P* category; CJK = the ideograph blocks of Google's original BERT code.
/// </summary>
internal static class CharClass
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

    private static readonly Ascii[] AsciiTable = BuildAsciiTable();

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Ascii OfAscii(char c) => AsciiTable[c];

    /// <summary>True for the characters text cleaning drops: U+0000, U+FFFD and the control categories.</summary>
    internal static bool IsRemovedByCleaning(Rune r)
    {
        var v = r.Value;
        if (v < 128)
        {
            return AsciiTable[v] == Ascii.Control;
        }

        if (v == 0xFFFD)
        {
            return true;
        }

        var category = Rune.GetUnicodeCategory(r);
        return category is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    /// <summary>JavaScript's <c>\s</c>: what splits words (cleaning turns each into a space).</summary>
    internal static bool IsWhitespace(int v) => v switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or 0xA0 or 0x1680 or 0x2028 or 0x2029 or 0x202F or 0x205F
            or 0x3000 or 0xFEFF => true,
        >= 0x2000 and <= 0x200A => true,
        _ => false,
    };

    /// <summary>ASCII symbols (BERT treats <c>$</c>, <c>+</c>, <c>^</c> and the like as punctuation) and Unicode P*.</summary>
    internal static bool IsPunctuation(Rune r)
    {
        var v = r.Value;
        if (v < 128)
        {
            return AsciiTable[v] == Ascii.Punctuation;
        }

        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK ideograph ranges of BERT's original tokenizer; each such character becomes a word.</summary>
    internal static bool IsChineseCharacter(int v) =>
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x20000 && v <= 0x2A6DF)
        || (v >= 0x2A700 && v <= 0x2B73F) || (v >= 0x2B740 && v <= 0x2B81F) || (v >= 0x2B820 && v <= 0x2CEAF)
        || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x2F800 && v <= 0x2FA1F);

    /// <summary>Letters with case, for the final-sigma rule of lowercasing.</summary>
    internal static bool IsCased(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter;

    /// <summary>Marks and format characters that lowercasing's context rules look through.</summary>
    internal static bool IsCaseIgnorable(Rune r) =>
        r.Value is '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x2019
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
