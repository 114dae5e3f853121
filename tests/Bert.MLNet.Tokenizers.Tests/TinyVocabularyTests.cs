namespace Bert.MLNet.Tokenizers.Tests;

/// <summary>Hand-made vocabularies with ids and offsets worked out by hand.</summary>
public sealed class TinyVocabularyTests
{
    private static readonly string[] Vocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", // 0-4
        "hello", "world", "un", "##aff", "##able", // 5-9
        ",", "!", ".", "a", "b", // 10-14
        "##b", "é", "e", "中", "文", // 15-19
    ];

    private static BertWordPieceTokenizer Tokenizer(BertTokenizerOptions? options = null) => BertWordPieceTokenizer.Create(Vocabulary, options);

    [Fact]
    public void EncodesWordsAndPunctuationWithOffsets()
    {
        var encoding = Tokenizer().Encode("Hello, WORLD!");
        Assert.Equal([2, 5, 10, 6, 11, 3], encoding.Ids);
        Assert.Equal([default, new(0, 5), new(5, 6), new(7, 12), new(12, 13), default], encoding.Offsets);
        Assert.Equal(["[CLS]", "hello", ",", "world", "!", "[SEP]"], encoding.Tokens);
        Assert.Equal([0, 0, 0, 0, 0, 0], encoding.TypeIds);
        Assert.Equal(4, encoding.TokenCount);
        Assert.False(encoding.Truncated);
    }

    [Fact]
    public void SplitsGreedilyLongestFirstWithContinuationPieces()
    {
        var encoding = Tokenizer().Encode("unaffable abb");
        Assert.Equal([2, 7, 8, 9, 13, 15, 15, 3], encoding.Ids);
        Assert.Equal([default, new(0, 2), new(2, 5), new(5, 9), new(10, 11), new(11, 12), new(12, 13), default], encoding.Offsets);
    }

    [Fact]
    public void AWordWithAnUnmatchedPartIsOneUnknownTokenOverTheWholeWord()
    {
        var encoding = Tokenizer().Encode("unaffablex hello");
        Assert.Equal([2, 1, 5, 3], encoding.Ids);
        Assert.Equal(new TokenOffset(0, 10), encoding.Offsets[1]);
    }

    [Fact]
    public void WordsLongerThanTheLimitAreUnknown()
    {
        var tokenizer = Tokenizer(new BertTokenizerOptions { MaxInputCharsPerWord = 4 });
        Assert.Equal([2, 1, 13, 3], tokenizer.Encode("hello a").Ids);
        Assert.Equal([2, 1, 3], Tokenizer(new BertTokenizerOptions { MaxInputCharsPerWord = 4 }).Encode("héllo").Ids);
    }

    [Fact]
    public void AccentsAreStrippedButOffsetsPointAtTheOriginalCharacters()
    {
        // "e" + combining acute: the removed accent widens the "e" before it, as Hugging Face aligns it.
        var encoding = Tokenizer().Encode("É e\u0301 中文");
        Assert.Equal([2, 17, 17, 18, 19, 3], encoding.Ids);
        Assert.Equal([default, new(0, 1), new(2, 4), new(5, 6), new(6, 7), default], encoding.Offsets);
    }

    [Fact]
    public void CasedTokenizerKeepsAccentsAndCase()
    {
        var tokenizer = Tokenizer(new BertTokenizerOptions { LowerCase = false });
        Assert.Equal([2, 16, 1, 3], tokenizer.Encode("é Hello").Ids);
    }

    [Fact]
    public void ControlCharactersJoinTheTextAroundThem()
    {
        var encoding = Tokenizer().Encode("hel\u0001lo\u0000 a");
        Assert.Equal([2, 5, 13, 3], encoding.Ids);
        Assert.Equal(new TokenOffset(0, 7), encoding.Offsets[1]);
    }

    [Fact]
    public void SpecialTokensInTheTextAreRecognizedVerbatim()
    {
        var encoding = Tokenizer().Encode("a[MASK]b [mask]");
        Assert.Equal([2, 13, 4, 14, 1, 1, 1, 3], encoding.Ids); // "[mask]" is text: "[", "mask", "]", all unknown here
        Assert.Equal(new TokenOffset(1, 7), encoding.Offsets[2]);
    }

    [Fact]
    public void SpecialTokenIdsComeFromTheVocabulary()
    {
        var tokenizer = BertWordPieceTokenizer.Create(["[CLS]", "hello", "[PAD]", "[SEP]", "[UNK]"]);
        Assert.Equal((0, 3, 2, 4), (tokenizer.ClassificationId, tokenizer.SeparatorId, tokenizer.PaddingId, tokenizer.UnknownId));
        Assert.Null(tokenizer.MaskId);
        Assert.Equal([0, 1, 4, 3], tokenizer.Encode("hello you").Ids);
        using var batch = tokenizer.EncodeBatch(["hello", ""]);
        Assert.Equal([0L, 1, 3, 0, 3, 2], batch.InputIds.ToArray());
    }

    [Fact]
    public void TruncationKeepsTheStartAndSaysSo()
    {
        var encoding = Tokenizer().Encode("hello world a b", maxLength: 4);
        Assert.Equal([2, 5, 6, 3], encoding.Ids);
        Assert.True(encoding.Truncated);
        Assert.Equal(4, encoding.TokenCount);
    }

    [Theory]
    [InlineData(5, 2, 4, 2, 2)] // the shorter fits in half the room: only the longer is cut
    [InlineData(3, 3, 5, 2, 3)] // both cut: the first (not longer) gets half rounded down
    [InlineData(6, 1, 4, 3, 1)]
    [InlineData(2, 2, 4, 2, 2)] // fits
    [InlineData(1, 9, 4, 1, 3)]
    public void PairsAreTruncatedLongestFirst(int first, int second, int room, int keepFirst, int keepSecond) =>
        Assert.Equal((keepFirst, keepSecond), BertWordPieceTokenizer.LongestFirst(first, second, room));

    [Fact]
    public void PairEncodingHasTypeIdsAndTruncatesTheLongerText()
    {
        var encoding = Tokenizer().Encode("a b a b a", "hello world", maxLength: 7);
        Assert.Equal([2, 13, 14, 3, 5, 6, 3], encoding.Ids);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1], encoding.TypeIds);
        Assert.Equal([default, new(0, 1), new(2, 3), default, new(0, 5), new(6, 11), default], encoding.Offsets);
        Assert.True(encoding.Truncated);
        Assert.Equal(7, encoding.TokenCount);
    }

    [Fact]
    public void WindowsOverlapByTheStrideAndCoverEveryToken()
    {
        // Ten tokens, room for four per window, two repeated: windows start at 0, 2, 4, 6.
        var windows = Tokenizer().EncodeWindows("a b a b a b a b a b", maxLength: 6, stride: 2);
        Assert.Equal(4, windows.Count);
        Assert.All(windows, w => Assert.Equal(6, w.Length));
        Assert.Equal([new(0, 1), new(2, 3), new(4, 5), new(6, 7)], windows[0].Offsets.Skip(1).Take(4));
        Assert.Equal([new(12, 13), new(14, 15), new(16, 17), new(18, 19)], windows[3].Offsets.Skip(1).Take(4));
        Assert.Equal([new(4, 5), new(6, 7)], windows[1].Offsets.Skip(1).Take(2)); // repeats window 0's last two

        var single = Tokenizer().EncodeWindows("hello", maxLength: 6, stride: 2);
        Assert.Equal([2, 5, 3], Assert.Single(single).Ids);
    }

    [Fact]
    public void WindowStrideMustLeaveRoom()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer().EncodeWindows("a b", maxLength: 6, stride: 4));
        Assert.Contains("stride", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 0 to 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchesArePaddedToTheLongestRowWithMasks()
    {
        using var batch = Tokenizer().EncodeBatch(["hello world", "", "a b a b"], maxLength: 5);
        Assert.Equal((3, 5), (batch.BatchSize, batch.SequenceLength));
        Assert.Equal([2L, 5, 6, 3, 0, 2, 3, 0, 0, 0, 2, 13, 14, 13, 3], batch.InputIds.ToArray());
        Assert.Equal([1L, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1], batch.AttentionMask.ToArray());
        Assert.All(batch.TokenTypeIds.ToArray(), t => Assert.Equal(0, t));
        Assert.Equal([4, 2, 5], batch.Lengths.ToArray());
        Assert.Equal([2, 0, 4], batch.TokenCounts.ToArray());
        Assert.Equal([false, false, true], new[] { batch.IsTruncated(0), batch.IsTruncated(1), batch.IsTruncated(2) });
    }

    [Fact]
    public void ParallelBatchesEqualSerialOnes()
    {
        var texts = Enumerable.Range(0, 500).Select(i => string.Join(' ', Enumerable.Repeat("hello a", i % 13))).ToArray();
        using var serial = Tokenizer().EncodeBatch(texts);
        using var parallel = Tokenizer().EncodeBatch(texts, parallel: true);
        Assert.Equal(serial.InputIds.ToArray(), parallel.InputIds.ToArray());
        Assert.Equal(serial.AttentionMask.ToArray(), parallel.AttentionMask.ToArray());
    }

    [Fact]
    public void DisposedBatchesRefuseReads()
    {
        var batch = Tokenizer().EncodeBatch(["a"]);
        batch.Dispose();
        Assert.Throws<ObjectDisposedException>(() => batch.InputIds.Length);
    }

    [Fact]
    public void EncodesIntoCallerBuffersTruncatingToTheirLength()
    {
        Span<long> ids = stackalloc long[4];
        var written = Tokenizer().EncodeToIds("hello world a", ids, out var tokenCount);
        Assert.Equal(4, written);
        Assert.Equal(3, tokenCount);
        Assert.Equal([2L, 5, 6, 3], ids.ToArray());
        Assert.Throws<ArgumentException>(() => Tokenizer().EncodeToIds("a", new long[1], out _));
    }

    [Fact]
    public void DecodingJoinsPiecesAndDropsSpecialTokens()
    {
        var tokenizer = Tokenizer();
        Assert.Equal("unaffable hello, world!", tokenizer.Decode(tokenizer.Encode("unaffable Hello , world !").Ids));
        Assert.Equal("[CLS] hello [SEP]", tokenizer.Decode([2, 5, 3], skipSpecialTokens: false));
        Assert.Equal("hello , world", tokenizer.Decode([5, 10, 6], cleanUpSpaces: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([5, 99]));
    }

    [Fact]
    public void NormalizeShowsTheTextAsTheTokenizerSeesIt() =>
        Assert.Equal("hello , world ! 中 文 [MASK] e", Tokenizer().Normalize("  Héllo,\u0001 WORLD!\t中文[MASK] É "));

    [Fact]
    public void AddedTokensAreMatchedBeforeNormalization()
    {
        var tokenizer = BertWordPieceTokenizer.Create([.. Vocabulary, "<Special>"], new BertTokenizerOptions { AddedTokens = ["<Special>"] });
        Assert.Equal([2, 5, 20, 13, 3], tokenizer.Encode("hello<Special>a").Ids);
    }

    [Fact]
    public void LoadsVocabularyAndTokenizerConfig()
    {
        using var folder = Fixtures.NewFolder();
        folder.Write("vocab.txt", string.Join('\n', Vocabulary) + "\n");
        folder.Write("tokenizer_config.json", """{"do_lower_case": false, "model_max_length": 64, "unk_token": {"content": "[UNK]"}}""");
        var tokenizer = BertWordPieceTokenizer.Load(folder.Path);
        Assert.False(tokenizer.Options.LowerCase);
        Assert.Equal(64, tokenizer.Options.ModelMaxLength);
        Assert.Equal(20, tokenizer.VocabularySize);
        Assert.Equal([2, 1, 5, 3], tokenizer.Encode("Hello hello").Ids);
    }

    [Fact]
    public async Task LoadsAsynchronously()
    {
        using var folder = Fixtures.NewFolder();
        var file = folder.Write("my-vocab.txt", string.Join("\r\n", Vocabulary));
        var tokenizer = await BertWordPieceTokenizer.LoadAsync(file);
        Assert.Equal(20, tokenizer.VocabularySize);
        Assert.Equal("[PAD]", tokenizer.GetToken(0));
    }
}
