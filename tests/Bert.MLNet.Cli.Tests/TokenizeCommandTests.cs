using System.Text;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Tokenizers;

namespace Bert.MLNet.Cli.Tests;

public sealed class TokenizeCommandTests : IDisposable
{
    private static readonly string[] Vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "\t", "!"];

    private readonly string folder = Path.Combine(Path.GetTempPath(), "bert-mlnet-cli-" + Guid.NewGuid().ToString("N"));

    public TokenizeCommandTests()
    {
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), Vocabulary);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void WritesOneObjectPerLineKeepingControlCharactersEmptyLinesAndCarriageReturns()
    {
        // Lines: a CRLF-ended line, a line with a tab, a lone CR and a control character, an empty line, a last line without newline.
        var input = Write("in.txt", "Hello world!\r\nhello\tworld\rhello\u0001world\n\nworld");
        var output = Path.Combine(folder, "out.jsonl");
        Assert.Equal(0, TokenizeCommand.Run(folder, input, output, 512, CancellationToken.None));

        var rows = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(4, rows.Length);
        var tokenizer = BertWordPieceTokenizer.Load(folder);
        var texts = new[] { "Hello world!", "hello\tworld\rhello\u0001world", string.Empty, "world" };
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = tokenizer.Encode(texts[i]);
            Assert.Equal(expected.Ids, rows[i].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(expected.Tokens, rows[i].GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
        }

        // "hello\u0001world": the control character is dropped and joins the two words into one unknown word.
        Assert.Equal([2, 4, 5, 1, 3], rows[1].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([2, 3], rows[2].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void TruncatesToMaxLengthAndSaysSo()
    {
        var input = Write("in.txt", "hello world hello world\n");
        var output = Path.Combine(folder, "out.jsonl");
        TokenizeCommand.Run(folder, input, output, 4, CancellationToken.None);
        var row = JsonDocument.Parse(File.ReadAllLines(output).Single()).RootElement;
        Assert.Equal([2, 4, 5, 3], row.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(row.GetProperty("truncated").GetBoolean());
        Assert.Equal(4, row.GetProperty("token_count").GetInt32());
    }

    [Fact]
    public void InvalidUtf8NamesTheLine()
    {
        var input = Path.Combine(folder, "bad.txt");
        File.WriteAllBytes(input, [.. "hello\n"u8, .. "wor"u8, 0xFF, (byte)'\n']);
        var error = Assert.Throws<InvalidDataException>(() => TokenizeCommand.Run(folder, input, Path.Combine(folder, "o.jsonl"), 512, CancellationToken.None));
        Assert.Contains("bad.txt line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingInputIsNamed()
    {
        var error = Assert.Throws<FileNotFoundException>(() => TokenizeCommand.Run(folder, Path.Combine(folder, "none.txt"), Path.Combine(folder, "o.jsonl"), 512, CancellationToken.None));
        Assert.Contains("none.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheExecutableReportsErrorsWithoutAStackTrace()
    {
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        try
        {
            var root = new System.CommandLine.RootCommand { TokenizeCommand.Create() };
            var code = await root.Parse(["tokenize", "--model", Path.Combine(folder, "missing"), "--input", "x", "--output", "y"]).InvokeAsync();
            Assert.Equal(1, code);
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.StartsWith("error: No tokenizer at", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr.ToString(), StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }
}
