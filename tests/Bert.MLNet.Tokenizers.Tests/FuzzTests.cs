using System.Text;

namespace Bert.MLNet.Tokenizers.Tests;

/// <summary>Seeded random Unicode text: invariants that must hold for any input.</summary>
public sealed class FuzzTests
{
    // Pools that reach every path: ASCII, accents, combining marks, CJK (both planes), Hangul, emoji,
    // controls, every kind of whitespace, lone surrogates, special-token fragments.
    private static readonly string[] Pools =
    [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        ".,;:!?'\"()[]{}<>#$%&*+-/=@\\^_`|~",
        "àéîõüÀÉÎÕÜçñßøåæœİıΣσςЁжЖ",
        "\u0300\u0301\u0302\u0308\u0327",
        "中文日本語漢字한국어ภาษาไทย",
        "\t\n\r \u00a0\u2000\u2028\u3000\u000b\u000c\ufeff",
        "\u0000\u0001\u001f\u007f\u0085\u200b\u200d\u00ad\ufffd\ue000",
        "😀👍🏽🇫🇷𠀀𝔘𐐀",
        "\ud800\udc00\udbff",
        "[CLS][SEP][MASK][PAD][UNK]##",
    ];

    [Fact]
    public void RandomTextKeepsEveryInvariant()
    {
        var tokenizer = BertWordPieceTokenizer.Load(Fixtures.TokenizerFolder("uncased-json"));
        var random = new Random(20261122);
        for (var trial = 0; trial < 3000; trial++)
        {
            var text = RandomText(random, random.Next(0, 80));
            BertEncoding encoding;
            try
            {
                encoding = tokenizer.Encode(text, maxLength: int.MaxValue);
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial}: {Escape(text)} threw {e}");
                return;
            }

            var previousStart = 0;
            for (var i = 1; i < encoding.Length - 1; i++)
            {
                var offset = encoding.Offsets[i];
                Assert.True(offset.Start >= previousStart && offset.Start < offset.End && offset.End <= text.Length,
                    $"trial {trial}: token {i} ({encoding.Tokens[i]}) has offsets {offset} after start {previousStart} in {Escape(text)}");
                previousStart = offset.Start;
            }

            Assert.Equal(encoding.Length - 2, encoding.TokenCount);
            if (!encoding.Ids.Contains(tokenizer.UnknownId))
            {
                // Without unknown tokens, decoding spells out exactly the normalized text (spaces aside).
                var decoded = tokenizer.Decode(encoding.Ids.ToArray(), skipSpecialTokens: false, cleanUpSpaces: false);
                var expected = "[CLS]" + tokenizer.Normalize(text) + "[SEP]";
                Assert.True(Squeeze(expected) == Squeeze(decoded),
                    $"trial {trial}: {Escape(text)} normalizes to {Escape(expected)} but decodes to {Escape(decoded)}");
            }

            using var batch = tokenizer.EncodeBatch([text]);
            Assert.Equal(encoding.Ids.Select(i => (long)i).Take(512), batch.InputIds.ToArray());
        }
    }

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder();
        while (text.Length < length)
        {
            var pool = Pools[random.Next(Pools.Length)];
            var at = random.Next(pool.Length);
            var take = char.IsHighSurrogate(pool[at]) && at + 1 < pool.Length && random.Next(4) > 0 ? 2 : 1;
            text.Append(pool, at, take);
        }

        return text.ToString();
    }

    private static string Squeeze(string text) => string.Concat(text.Where(c => c != ' '));

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c < 32 || c > 126 ? $"\\u{(int)c:x4}" : c.ToString()));
}
