using System.Text;

namespace Bert.MLNet.Tokenizers.Tests;

/// <summary>
/// Seeded random text against Hugging Face's own Rust tokenizers (Tokenizers.DotNet, in-process), uncased and cased:
/// the ids must be identical on every text. The texts mix the pools below with code points drawn from the whole of
/// Unicode (unassigned, private use, noncharacters, tags, every plane), which is where a normalizer built on a
/// different Unicode library disagrees or fails.
/// </summary>
public sealed class RustTokenizersFuzzTests
{
    private const int Texts = 20_000;

    // Lone surrogates are left out: a .NET string marshalled to Rust becomes UTF-8, where they cannot exist.
    private static readonly string[] Pools =
    [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "the quick brown fox jumps over lazy dogs unbelievable tokenization ",
        ".,;:!?'\"()[]{}<>#$%&*+-/=@\\^_`|~¡¿«»–—…‘’“”",
        "àéîõüÀÉÎÕÜçñßøåæœİıΣσςЁжЖǅǈǋῼﬁﬀ",
        "\u0300\u0301\u0302\u0308\u0327\u0345\u034f\u20dd",
        "中文日本語漢字한국어ภาษาไทย㐀㊀豈",
        "\t\n\r \u00a0\u1680\u2000\u2028\u2029\u202f\u205f\u3000\u000b\u000c\ufeff",
        "\u0001\u001f\u007f\u0085\u200b\u200d\u00ad\u061c\ufffd\ue000\ufff9\ufffe\uffff",
        "😀👍🏽🇫🇷𠀀𝔘𐐀\U000e0041\U000f0000\U0010fffd\U0001fffe",
        "[CLS][SEP][MASK][PAD][UNK]##",
    ];

    [Theory]
    [InlineData("uncased-json", 20261204)]
    [InlineData("cased-json", 20261205)]
    public void IdsEqualHuggingFacesRustTokenizers(string folder, int seed)
    {
        var path = Fixtures.TokenizerFolder(folder);
        var tokenizer = BertWordPieceTokenizer.Load(path);
        using var reference = new global::Tokenizers.DotNet.Tokenizer(Path.Combine(path, "tokenizer.json"));
        var random = new Random(seed);
        for (var trial = 0; trial < Texts; trial++)
        {
            var text = RandomText(random, random.Next(0, 60));
            var expected = reference.Encode(text).Select(id => (int)id).ToArray();
            int[] actual;
            try
            {
                actual = tokenizer.Encode(text, maxLength: int.MaxValue).Ids.ToArray();
            }
            catch (Exception e)
            {
                Assert.Fail($"{folder} trial {trial}: {Escape(text)} threw {e.GetType().Name}: {e.Message}; Hugging Face gives [{string.Join(' ', expected)}]");
                return;
            }

            if (!actual.SequenceEqual(expected))
            {
                Assert.Fail($"{folder} trial {trial}: {Escape(text)}\n  ours: [{string.Join(' ', actual)}]\n  Hugging Face: [{string.Join(' ', expected)}]");
            }
        }
    }

    [Fact]
    public void EveryCodePointAloneGivesHuggingFacesIds()
    {
        // Each scalar value once, between letters, in one text per 4,096 code points: every class of character the
        // normalizer and pre-tokenizer distinguish, including those no random draw may reach.
        foreach (var folder in new[] { "uncased-json", "cased-json" })
        {
            var path = Fixtures.TokenizerFolder(folder);
            var tokenizer = BertWordPieceTokenizer.Load(path);
            using var reference = new global::Tokenizers.DotNet.Tokenizer(Path.Combine(path, "tokenizer.json"));
            for (var block = 0; block < 0x110000; block += 4096)
            {
                var text = new StringBuilder();
                for (var value = block; value < block + 4096; value++)
                {
                    if (value is >= 0xD800 and < 0xE000)
                    {
                        continue;
                    }

                    text.Append("a ").Append(char.ConvertFromUtf32(value)).Append('b');
                }

                var expected = reference.Encode(text.ToString()).Select(id => (int)id).ToArray();
                var actual = tokenizer.Encode(text.ToString(), maxLength: int.MaxValue).Ids.ToArray();
                if (!actual.SequenceEqual(expected))
                {
                    var at = actual.Zip(expected).TakeWhile(p => p.First == p.Second).Count();
                    Assert.Fail($"{folder}, code points U+{block:X4}–U+{block + 4095:X4}: first difference at token {at} "
                        + $"(ours {Show(actual, at)}, Hugging Face {Show(expected, at)})");
                }
            }
        }
    }

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder();
        while (text.Length < length)
        {
            if (random.Next(8) == 0)
            {
                int value;
                do
                {
                    value = random.Next(0x110000);
                }
                while (value is >= 0xD800 and < 0xE000);
                text.Append(char.ConvertFromUtf32(value));
                continue;
            }

            var pool = Pools[random.Next(Pools.Length)];
            var at = random.Next(pool.Length);
            text.Append(pool, at, char.IsHighSurrogate(pool[at]) ? 2 : char.IsLowSurrogate(pool[at]) ? 0 : 1);
        }

        return text.ToString();
    }

    private static string Show(int[] ids, int at) => at < ids.Length ? $"[{string.Join(' ', ids.Skip(Math.Max(0, at - 2)).Take(5))}]" : "the end";

    private static string Escape(string text) =>
        string.Concat(text.EnumerateRunes().Select(r => r.Value is < 32 or > 126 ? $"\\u{{{r.Value:x}}}" : r.ToString()));
}
