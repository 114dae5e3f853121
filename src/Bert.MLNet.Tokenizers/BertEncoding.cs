namespace Bert.MLNet.Tokenizers;

/// <summary>
/// One encoded text (or text pair) as a BERT model takes it: <c>[CLS] A [SEP]</c> or
/// <c>[CLS] A [SEP] B [SEP]</c>, with token type ids and each token's range in the original text.
/// </summary>
public sealed class BertEncoding
{
    internal BertEncoding(int[] ids, int[] typeIds, TokenOffset[] offsets, string[] tokens, int tokenCount, bool truncated)
    {
        Ids = ids;
        TypeIds = typeIds;
        Offsets = offsets;
        Tokens = tokens;
        TokenCount = tokenCount;
        Truncated = truncated;
    }

    /// <summary>Token ids, special tokens included.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>Segment of each token: 0 for <c>[CLS]</c>, the first text and its <c>[SEP]</c>; 1 for the second text and its <c>[SEP]</c>.</summary>
    public IReadOnlyList<int> TypeIds { get; }

    /// <summary>Each token's UTF-16 range in the text it came from (for a pair, in that token's own text); (0, 0) for special tokens the encoder added.</summary>
    public IReadOnlyList<TokenOffset> Offsets { get; }

    /// <summary>The tokens' spellings in the vocabulary.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The number of WordPiece tokens the whole text (both texts, for a pair) has, before truncation and without special tokens.</summary>
    public int TokenCount { get; }

    /// <summary>True when tokens were cut to fit the maximum length.</summary>
    public bool Truncated { get; }

    /// <summary>The number of tokens in this encoding, special tokens included.</summary>
    public int Length => Ids.Count;
}
