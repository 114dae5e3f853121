using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace Bert.MLNet.Tokenizers.Tests;

/// <summary>
/// The tokenizer used through Microsoft.ML.Tokenizers' <see cref="Tokenizer"/> API gives Hugging Face's ids,
/// offsets in the original text, counts and decoded text (the same goldens as <see cref="HuggingFaceParityTests"/>).
/// </summary>
public sealed class TokenizerApiTests
{
    private static readonly Tokenizer Uncased = BertWordPieceTokenizer.Load(Fixtures.TokenizerFolder("uncased-vocab"));

    [Fact]
    public void EncodeToIdsAndTokensAndCountMatchHuggingFace()
    {
        var rows = 0;
        foreach (var row in Fixtures.Golden("uncased"))
        {
            var text = Fixtures.Text(row);
            var ids = Fixtures.ReferenceIds(row, "uncased-json", out var offsetsKnown);
            var offsets = row.GetProperty("offsets").EnumerateArray().Select(o => (o[0].GetInt32(), o[1].GetInt32())).ToArray();
            Assert.Equal(ids, Uncased.EncodeToIds(text));
            Assert.Equal(ids, Uncased.EncodeToIds(text.AsSpan()));
            var tokens = Uncased.EncodeToTokens(text, out var normalized);
            Assert.Null(normalized);
            Assert.Equal(ids, tokens.Select(t => t.Id));
            if (offsetsKnown)
            {
                Assert.Equal(offsets, tokens.Select(t => (t.Offset.Start.Value, t.Offset.End.Value)));
            }

            Assert.Equal(ids.Length, Uncased.CountTokens(text));
            rows++;
        }

        Assert.True(rows > 3000, $"only {rows} golden rows");
    }

    [Fact]
    public void TokenValuesAreTheVocabularyEntries()
    {
        // Ids 101, 7668, 13675, 21382, 102 in the uncased golden.
        var tokens = Uncased.EncodeToTokens("Café crème", out _);
        Assert.Equal(["[CLS]", "cafe", "cr", "##eme", "[SEP]"], tokens.Select(t => t.Value));
    }

    [Fact]
    public void DecodeMatchesHuggingFace()
    {
        foreach (var row in Fixtures.Golden("uncased-decode"))
        {
            Assert.Equal(row.GetProperty("decoded").GetString(), Uncased.Decode(Fixtures.Ints(row.GetProperty("ids"))));
        }
    }

    [Fact]
    public void TokenLimitsCountTheSpecialTokensAndReportWhereTheTextWasCut()
    {
        // "Hello, World!" is hello , world ! (offsets 0-5, 5-6, 7-12, 12-13).
        const string text = "Hello, World!";
        Assert.Equal([101, 7592, 1010, 102], Uncased.EncodeToIds(text, 4, out _, out var consumed));
        Assert.Equal(6, consumed);
        Assert.Equal([101, 7592, 1010, 2088, 999, 102], Uncased.EncodeToIds(text, 100, out _, out consumed));
        Assert.Equal(text.Length, consumed);
        Assert.Empty(Uncased.EncodeToIds(text, 1, out _, out consumed));
        Assert.Equal(0, consumed);

        Assert.Equal(6, Uncased.GetIndexByTokenCount(text, 4, out _, out var count));
        Assert.Equal(4, count);
        Assert.Equal(7, Uncased.GetIndexByTokenCountFromEnd(text, 4, out _, out count));
        Assert.Equal(4, count);
        Assert.Equal(0, Uncased.GetIndexByTokenCountFromEnd(text, 50, out _, out count));
        Assert.Equal(6, count);
    }

    [Fact]
    public void DecodingIntoASmallBufferWritesTheLongestPrefixThatFits()
    {
        int[] ids = [101, 7592, 1010, 2088, 999, 102];
        var buffer = new char[32];
        Assert.Equal(OperationStatus.Done, Uncased.Decode(ids, buffer, out var consumed, out var written));
        Assert.Equal("hello, world!", new string(buffer, 0, written));
        Assert.Equal(6, consumed);

        Assert.Equal(OperationStatus.DestinationTooSmall, Uncased.Decode(ids, buffer.AsSpan(0, 8), out consumed, out written));
        Assert.Equal("hello,", new string(buffer, 0, written));
        Assert.Equal(3, consumed);
    }
}
