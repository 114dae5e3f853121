using System.Text.Json;

namespace Bert.MLNet.Tokenizers;

public sealed partial class BertWordPieceTokenizer
{
    /// <summary>
    /// Loads a tokenizer from a model folder or a file. A folder is read from its <c>tokenizer.json</c> when it
    /// has one, otherwise from <c>vocab.txt</c>; either way <c>tokenizer_config.json</c> beside it supplies the
    /// settings it sets (<c>do_lower_case</c>, <c>strip_accents</c>, <c>tokenize_chinese_chars</c>,
    /// <c>model_max_length</c>, special token names). A file path names <c>tokenizer.json</c> (any <c>.json</c>)
    /// or a <c>vocab.txt</c> (any other name).
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing to load at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or uses a component this tokenizer does not support; the message names the file and what was expected.</exception>
    public static BertWordPieceTokenizer Load(string path) => LoadCore(path, CancellationToken.None);

    /// <inheritdoc cref="Load(string)"/>
    public static Task<BertWordPieceTokenizer> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        Task.Run(() => LoadCore(path, cancellationToken), cancellationToken);

    private static BertWordPieceTokenizer LoadCore(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string file;
        if (Directory.Exists(path))
        {
            var json = Path.Combine(path, "tokenizer.json");
            var vocab = Path.Combine(path, "vocab.txt");
            file = File.Exists(json) ? json : File.Exists(vocab) ? vocab : string.Empty;
            if (file.Length == 0)
            {
                TokenizerThrow.MissingPath(path);
            }
        }
        else if (File.Exists(path))
        {
            file = path;
        }
        else
        {
            TokenizerThrow.MissingPath(path);
            return null;
        }

        var config = TokenizerConfig.Read(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "tokenizer_config.json"));
        cancellationToken.ThrowIfCancellationRequested();
        return file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? FromTokenizerJson(file, config, cancellationToken)
            : FromVocabularyFile(file, config, cancellationToken);
    }

    private static BertWordPieceTokenizer FromVocabularyFile(string file, TokenizerConfig config, CancellationToken cancellationToken)
    {
        var lines = File.ReadAllLines(file);
        cancellationToken.ThrowIfCancellationRequested();

        // vocab.txt is one token per line; a trailing empty line is the file's final newline, not a token.
        var count = lines.Length;
        while (count > 0 && lines[count - 1].Length == 0)
        {
            count--;
        }

        var tokens = new string[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = lines[i].TrimEnd('\r');
            if (tokens[i].Length == 0)
            {
                TokenizerThrow.InvalidFile(file, $"line {i + 1} is empty; expected one token per line.");
            }
        }

        return new BertWordPieceTokenizer(tokens, config.Apply(new BertTokenizerOptions()), file);
    }

    private static BertWordPieceTokenizer FromTokenizerJson(string file, TokenizerConfig config, CancellationToken cancellationToken)
    {
        using var document = ParseJson(file);
        cancellationToken.ThrowIfCancellationRequested();
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            TokenizerThrow.InvalidFile(file, "expected a JSON object at the top level.");
        }

        var options = new BertTokenizerOptions();
        if (Member(root, "normalizer") is { ValueKind: JsonValueKind.Object } normalizer)
        {
            RequireType(file, "normalizer", normalizer, "BertNormalizer");
            options = options with
            {
                CleanText = Bool(normalizer, "clean_text") ?? true,
                TokenizeChineseChars = Bool(normalizer, "handle_chinese_chars") ?? true,
                LowerCase = Bool(normalizer, "lowercase") ?? true,
                StripAccents = Bool(normalizer, "strip_accents"),
            };
        }
        else
        {
            options = options with { CleanText = false, TokenizeChineseChars = false, LowerCase = false, StripAccents = false };
        }

        if (Member(root, "pre_tokenizer") is not { ValueKind: JsonValueKind.Object } preTokenizer)
        {
            TokenizerThrow.InvalidFile(file, "has no pre_tokenizer; expected {\"type\": \"BertPreTokenizer\"}.");
            return null;
        }

        RequireType(file, "pre_tokenizer", preTokenizer, "BertPreTokenizer");

        if (Member(root, "model") is not { ValueKind: JsonValueKind.Object } model)
        {
            TokenizerThrow.InvalidFile(file, "has no model; expected a WordPiece model.");
            return null;
        }

        RequireType(file, "model", model, "WordPiece");
        var tokens = ReadVocabulary(file, model);
        options = options with
        {
            UnknownToken = String(model, "unk_token") ?? options.UnknownToken,
            ContinuingSubwordPrefix = String(model, "continuing_subword_prefix") ?? options.ContinuingSubwordPrefix,
            MaxInputCharsPerWord = Int(model, "max_input_chars_per_word") ?? options.MaxInputCharsPerWord,
        };

        if (Member(root, "post_processor") is { ValueKind: JsonValueKind.Object } post)
        {
            options = ReadPostProcessor(file, post, options);
        }

        if (Member(root, "decoder") is { ValueKind: JsonValueKind.Object } decoder)
        {
            RequireType(file, "decoder", decoder, "WordPiece");
        }

        if (Member(root, "padding") is { ValueKind: JsonValueKind.Object } padding && String(padding, "pad_token") is { } pad)
        {
            options = options with { PaddingToken = pad };
        }

        var added = new List<string>();
        if (Member(root, "added_tokens") is { ValueKind: JsonValueKind.Array } addedTokens)
        {
            foreach (var entry in addedTokens.EnumerateArray())
            {
                var content = String(entry, "content");
                var id = Int(entry, "id");
                if (content is null || id is null)
                {
                    TokenizerThrow.InvalidFile(file, "an added_tokens entry lacks 'content' or 'id'.");
                    return null;
                }

                if (id >= tokens.Count || tokens[id.Value] != content)
                {
                    TokenizerThrow.InvalidFile(file,
                        $"added token '{content}' has id {id}, which the WordPiece vocabulary gives to " +
                        (id < tokens.Count ? $"'{tokens[id.Value]}'" : "no token") + "; added tokens outside the vocabulary are not supported.");
                }

                added.Add(content);
            }
        }

        options = config.Apply(options) with { AddedTokens = added };
        return new BertWordPieceTokenizer([.. tokens], options, file);
    }

    private static List<string> ReadVocabulary(string file, JsonElement model)
    {
        if (Member(model, "vocab") is not { ValueKind: JsonValueKind.Object } vocab)
        {
            TokenizerThrow.InvalidFile(file, "model.vocab is missing; expected an object mapping each token to its id.");
            return null;
        }

        // Placed by id into a table as long as the vocabulary (a sorted map of 30,000 entries cost 85 ms at every start).
        var count = vocab.GetPropertyCount();
        var tokens = new List<string>(count);
        var byId = new string?[count];
        foreach (var entry in vocab.EnumerateObject())
        {
            var id = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out var value) ? value : -1;
            if (id < 0)
            {
                TokenizerThrow.InvalidFile(file, $"model.vocab gives token '{entry.Name}' the id {entry.Value}; expected a non-negative integer.");
            }

            if (id >= count)
            {
                // Ids must run 0 to count - 1; the first one missing is named below.
                continue;
            }

            if (byId[id] is { } taken)
            {
                TokenizerThrow.InvalidFile(file, $"model.vocab gives id {id} to both '{taken}' and '{entry.Name}'.");
            }

            byId[id] = entry.Name;
        }

        for (var id = 0; id < count; id++)
        {
            if (byId[id] is not { } token)
            {
                TokenizerThrow.InvalidFile(file, $"model.vocab has no token with id {id}; expected ids 0 to {count - 1} without gaps.");
                return null;
            }

            tokens.Add(token);
        }

        return tokens;
    }

    private static BertTokenizerOptions ReadPostProcessor(string file, JsonElement post, BertTokenizerOptions options)
    {
        var type = String(post, "type");
        if (type == "BertProcessing")
        {
            var cls = Member(post, "cls");
            var sep = Member(post, "sep");
            return options with
            {
                ClassificationToken = cls is { ValueKind: JsonValueKind.Array } c ? c[0].GetString() ?? options.ClassificationToken : options.ClassificationToken,
                SeparatorToken = sep is { ValueKind: JsonValueKind.Array } s ? s[0].GetString() ?? options.SeparatorToken : options.SeparatorToken,
            };
        }

        if (type != "TemplateProcessing")
        {
            TokenizerThrow.InvalidFile(file, $"post_processor type '{type}' is not supported; expected TemplateProcessing or BertProcessing.");
        }

        // The BERT template: [CLS] $A [SEP] (and [CLS] $A [SEP] $B [SEP]); read the special tokens' names from it.
        var single = Member(post, "single");
        var pieces = single is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToArray() : [];
        if (pieces.Length != 3 || Member(pieces[0], "SpecialToken") is not { } first || Member(pieces[1], "Sequence") is null
            || Member(pieces[2], "SpecialToken") is not { } last)
        {
            TokenizerThrow.InvalidFile(file, "post_processor.single is not BERT's template; expected [SpecialToken, Sequence A, SpecialToken] ([CLS] $A [SEP]).");
            return null;
        }

        return options with
        {
            ClassificationToken = String(first, "id") ?? options.ClassificationToken,
            SeparatorToken = String(last, "id") ?? options.SeparatorToken,
        };
    }

    private static JsonDocument ParseJson(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            TokenizerThrow.InvalidFile(file, $"is not valid JSON ({e.Message})", e);
            return null;
        }
    }

    private static void RequireType(string file, string component, JsonElement element, string expected)
    {
        var type = String(element, "type");
        if (type != expected)
        {
            TokenizerThrow.InvalidFile(file, $"{component} type '{type ?? "(none)"}' is not supported; expected {expected}.");
        }
    }

    internal static JsonElement? Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    internal static string? String(JsonElement element, string name) => Member(element, name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Object } o when Member(o, "content") is { ValueKind: JsonValueKind.String } c => c.GetString(),
        _ => null,
    };

    internal static bool? Bool(JsonElement element, string name) => Member(element, name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => null,
    };

    internal static int? Int(JsonElement element, string name) => Member(element, name) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var v) => v,
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var d) && d > int.MaxValue => int.MaxValue,
        _ => null,
    };
}
