namespace Bert.MLNet.Tokenizers;

/// <summary>
/// Where a token came from in the text that was encoded: the UTF-16 range <c>[Start, End)</c>, so
/// <c>text[Start..End]</c> is the original spelling (before lowercasing or accent stripping). Special
/// tokens the tokenizer adds (<c>[CLS]</c>, <c>[SEP]</c>, padding) have the empty range (0, 0).
/// </summary>
/// <param name="Start">Index of the first UTF-16 code unit.</param>
/// <param name="End">Index one past the last UTF-16 code unit.</param>
public readonly record struct TokenOffset(int Start, int End)
{
    /// <summary>The number of UTF-16 code units the token spans.</summary>
    public int Length => End - Start;

    /// <summary>The range as a <see cref="System.Range"/>, for slicing the original text.</summary>
    public Range Range => Start..End;
}
