namespace Bert.MLNet.Tokenizers.Tests;

/// <summary>Bad files and options get errors that name the file or option and what was expected.</summary>
public sealed class InvalidInputTests
{
    private const string Specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n";

    [Fact]
    public void MissingPathNamesIt()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BertWordPieceTokenizer.Load("/no/such/model"));
        Assert.Contains("/no/such/model", error.Message, StringComparison.Ordinal);
        Assert.Contains("vocab.txt or tokenizer.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutTokenizerFilesIsMissing()
    {
        using var folder = Fixtures.NewFolder();
        folder.Write("config.json", "{}");
        Assert.Throws<FileNotFoundException>(() => BertWordPieceTokenizer.Load(folder.Path));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("\n\n", "empty")]
    [InlineData(Specials + "hello\n[UNK]\n", "'[UNK]' appears twice (ids 1 and 5)")]
    [InlineData("[PAD]\n[CLS]\n[SEP]\nhello\n", "unknown token '[UNK]'")]
    [InlineData("[PAD]\n[UNK]\n[SEP]\nhello\n", "classification token '[CLS]'")]
    [InlineData("[PAD]\n[UNK]\n[CLS]\nhello\n", "separator token '[SEP]'")]
    [InlineData("[UNK]\n[CLS]\n[SEP]\nhello\n", "padding token '[PAD]'")]
    [InlineData(Specials + "a\n\nb\n", "line 6 is empty")]
    public void BadVocabularyFilesAreRejected(string content, string expected)
    {
        using var folder = Fixtures.NewFolder();
        var file = folder.Write("vocab.txt", content);
        var error = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.Load(folder.Path));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[1, 2]", "JSON object")]
    [InlineData("""{"normalizer": {"type": "NFC"}, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "vocab": {}}}""", "normalizer type 'NFC' is not supported; expected BertNormalizer")]
    [InlineData("""{"normalizer": null, "pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "WordPiece", "vocab": {}}}""", "pre_tokenizer type 'Metaspace'")]
    [InlineData("""{"normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "BPE", "vocab": {}}}""", "model type 'BPE' is not supported; expected WordPiece")]
    [InlineData("""{"normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"}}""", "has no model")]
    [InlineData("""{"normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 2}}}""", "no token with id 1")]
    [InlineData("""{"normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 0}}}""", "gives id 0 to both")]
    [InlineData("""{"normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "vocab": {"[PAD]": "zero"}}}""", "expected a non-negative integer")]
    [InlineData("""{"pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": {"type": "RobertaProcessing"}, "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}}}""", "post_processor type 'RobertaProcessing'")]
    [InlineData("""{"pre_tokenizer": {"type": "BertPreTokenizer"}, "decoder": {"type": "ByteLevel"}, "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}}}""", "decoder type 'ByteLevel'")]
    [InlineData("""{"pre_tokenizer": {"type": "BertPreTokenizer"}, "added_tokens": [{"id": 9, "content": "<x>"}], "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}}}""", "added token '<x>' has id 9")]
    public void BadTokenizerJsonIsRejected(string content, string expected)
    {
        using var folder = Fixtures.NewFolder();
        var file = folder.Write("tokenizer.json", content);
        var error = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.Load(file));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedTokenizerConfigIsNamed()
    {
        using var folder = Fixtures.NewFolder();
        folder.Write("vocab.txt", Specials);
        var config = folder.Write("tokenizer_config.json", "{\"do_lower_case\": tru");
        var error = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.Load(folder.Path));
        Assert.Contains(config, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidOptionsNameTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => BertWordPieceTokenizer.Create(Specials.Split('\n', StringSplitOptions.RemoveEmptyEntries), new BertTokenizerOptions { MaxInputCharsPerWord = 0 }));
        Assert.Contains("MaxInputCharsPerWord", error.Message, StringComparison.Ordinal);

        var tokenizer = BertWordPieceTokenizer.Create(Specials.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("maxLength", Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("a", maxLength: 1)).Message, StringComparison.Ordinal);
        Assert.Contains("at least 3", Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("a", "b", maxLength: 2)).Message, StringComparison.Ordinal);
        Assert.Contains("row 1", Assert.Throws<ArgumentException>(() => tokenizer.EncodeBatch(["a", null!])).Message, StringComparison.Ordinal);
    }
}
