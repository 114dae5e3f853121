using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bert.MLNet.Embeddings;
using Bert.MLNet.Tokenizers;

namespace Bert.MLNet.Transforms.Saved;

/// <summary>
/// The tokenization settings a saved model carries: the vocabulary, the tokenizer's options, the encoding length and
/// the long-text rule, written as one text value. ML.NET keeps it in the model file inside a ValueMapping (the public
/// way to store state next to a <c>CustomMapping</c>, whose factory receives none). The first line names the format
/// and a hash of the rest, so each process parses a given state once.
/// </summary>
internal static class TokenizerState
{
    private const string Header = "bert-mlnet/tokenizer/1 ";
    private static readonly ConcurrentDictionary<string, TextEncoder> Parsed = new(StringComparer.Ordinal);

    private sealed record Payload(string[] Vocabulary, BertTokenizerOptions Options, int MaxLength, LongTextHandling LongText, int Stride);

    /// <summary>The state of an encoder that uses this project's tokenizer.</summary>
    /// <exception cref="NotSupportedException">The encoder uses another tokenizer, which cannot be written down.</exception>
    internal static string Write(TextEncoder encoder)
    {
        if (encoder.Tokenizer is not BertWordPieceTokenizer tokenizer)
        {
            throw BertErrors.Unsupported(
                $"A model that tokenizes with {encoder.Tokenizer.GetType().FullName} cannot be saved: only the model's own tokenizer " +
                $"({nameof(BertWordPieceTokenizer)}) can be written into a model file. Leave {nameof(EmbeddingOptions)}.{nameof(EmbeddingOptions.Tokenizer)} null to save.");
        }

        var json = JsonSerializer.Serialize(new Payload([.. tokenizer.Vocabulary], tokenizer.Options, encoder.MaxLength, encoder.LongText, encoder.Stride));
        return Header + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json))) + "\n" + json;
    }

    /// <summary>The encoder a state describes, built once per process.</summary>
    /// <exception cref="InvalidDataException">The value is not a tokenizer state this version can read.</exception>
    internal static TextEncoder Read(ReadOnlyMemory<char> state)
    {
        var span = state.Span;
        var newline = span.IndexOf('\n');
        if (!span.StartsWith(Header, StringComparison.Ordinal) || newline < 0)
        {
            throw BertErrors.Damaged(
                $"The model's tokenizer state does not start with '{Header.Trim()}'; the model file was written by another version of Bert.MLNet or damaged.");
        }

        var key = span[Header.Length..newline];
        var lookup = Parsed.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(key, out var encoder))
        {
            return encoder;
        }

        Payload payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(span[(newline + 1)..]) ?? throw BertErrors.Damaged("The model's tokenizer state is empty.");
        }
        catch (JsonException e)
        {
            throw BertErrors.Damaged($"The model's tokenizer state is not valid ({e.Message}); the model file may be damaged.", e);
        }

        var tokenizer = BertWordPieceTokenizer.Create(payload.Vocabulary, payload.Options);
        encoder = new TextEncoder(tokenizer, payload.MaxLength, payload.LongText, payload.Stride, tokenizer.VocabularySize);
        return Parsed.GetOrAdd(key.ToString(), encoder);
    }
}
