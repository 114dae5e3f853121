using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;

namespace Bert.MLNet.Cli.Tests;

public sealed class EmbedCommandTests : IDisposable
{
    private static readonly string Model = Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "tests", "Bert.MLNet.Tests", "Models", "tiny-bert");

    private readonly string folder = Path.Combine(Path.GetTempPath(), "bert-mlnet-embed-" + Guid.NewGuid().ToString("N"));

    public EmbedCommandTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void NpyHoldsTheLibrarysEmbeddingsInTheDocumentedShape()
    {
        var input = Write("in.txt", "the quick brown fox\n\nthe lazy dog\n");
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Combine = LayerCombination.Separate };
        var output = Path.Combine(folder, "out.npy");
        Assert.Equal(0, EmbedCommand.Run(Model, input, output, options, 1, CancellationToken.None));

        var (shape, values) = ReadNpy(output);
        Assert.Equal([3, 2, 32], shape);
        using var model = BertModel.Load(Model);
        var expected = model.Embed(["the quick brown fox", string.Empty, "the lazy dog"], options);
        Assert.Equal(expected.Data.ToArray(), values);

        EmbedCommand.Run(Model, input, output, options with { Combine = LayerCombination.Concat }, 1, CancellationToken.None);
        Assert.Equal([3, 64], ReadNpy(output).Shape);
        EmbedCommand.Run(Model, input, output, options with { Combine = LayerCombination.Mean }, 1, CancellationToken.None);
        Assert.Equal([3, 32], ReadNpy(output).Shape);
    }

    [Fact]
    public async Task ParquetHoldsTheLibrarysRowsAsDuckDbReadsThemAndAColumnOfACsvIsTheInput()
    {
        var texts = new[] { "the quick brown fox", "", "a text, with a comma and \"quotes\"", string.Join(' ', Enumerable.Repeat("fox", 600)) };
        var csv = Write("in.csv", "id,text\n" + string.Join('\n', texts.Select((t, i) => $"{i},\"{t.Replace("\"", "\"\"", StringComparison.Ordinal)}\"")) + "\n");
        var output = Path.Combine(folder, "out.parquet");
        Assert.Equal(0, EmbedCommand.Create().Parse(["--model", Model, "--input", csv, "--column", "text", "--output", output, "--layers", "-2..-1", "--combine", "separate"]).Invoke());

        using var model = BertModel.Load(Model);
        var expected = model.Embed(texts, model.DefaultOptions with { Layers = LayerSelection.Parse("-2..-1"), Combine = LayerCombination.Separate });
        var (count, distinct, rows) = Bert.MLNet.Testing.PartsReader.Read(output);
        Assert.Equal(texts.Length, count);
        Assert.Equal(count, distinct);
        for (var row = 0; row < texts.Length; row++)
        {
            Assert.Equal(row, rows[row].Row);
            Assert.Equal(expected[row].ToArray(), rows[row].Vector);
            Assert.Equal(expected.TokenCounts[row], rows[row].Tokens);
            Assert.Equal(expected.Truncated[row], rows[row].Truncated);
        }

        Assert.True(rows[3].Truncated);
        var file = await Bert.MLNet.Cluster.EmbeddingParquet.ReadFooterAsync(output);
        Assert.Equal("2,32", file.Metadata[Bert.MLNet.Cluster.EmbeddingParquet.ShapeKey]);

        var missing = Assert.Throws<ArgumentException>(() => new Bert.MLNet.Cli.IO.InputTexts(csv, "body").Read());
        Assert.Contains("no column 'body' (--column)", missing.Message, StringComparison.Ordinal);
        var perToken = Assert.Throws<ArgumentException>(() => EmbedCommand.Run(Model, Write("lines.txt", "one\ntwo\n"), output, new EmbeddingOptions { Pooling = Pooling.None }, 1, CancellationToken.None));
        Assert.Contains(".jsonl", perToken.Message, StringComparison.Ordinal);

        // A dataset without --column is refused, not embedded line by line with its header.
        var lines = Assert.Throws<ArgumentException>(() => EmbedCommand.Run(Model, csv, output, new EmbeddingOptions(), 1, CancellationToken.None));
        Assert.Equal($"--input '{csv}' is a .csv dataset: name the column to embed with --column (to embed whole lines, give the file a .txt name).", lines.Message);
    }

    [Fact]
    public void PrecisionInt8OnTheCommandLineGivesTheLibrarysInt8VectorsAndTheIndexRecordsIt()
    {
        var input = Write("in.txt", "the quick brown fox\nthe lazy dog\na third line of text");
        var output = Path.Combine(folder, "out.npy");
        Assert.Equal(0, EmbedCommand.Create().Parse(["--model", Model, "--input", input, "--output", output, "--precision", "int8"]).Invoke());
        using var model = BertModel.Load(Model);
        var lines = File.ReadAllLines(input);
        var int8 = model.Embed(lines, model.DefaultOptions with { Precision = Precision.Int8 });
        var fp32 = model.Embed(lines);
        Assert.Equal(int8.Data.ToArray(), ReadNpy(output).Values);
        Assert.NotEqual(fp32.Data.ToArray(), ReadNpy(output).Values);

        var index = Path.Combine(folder, "lines.index");
        Assert.Equal(0, IndexCommand.Run(Model, input, index, "-1", "mean", "float32", "int8", CancellationToken.None));
        Assert.Equal(Precision.Int8, Bert.MLNet.Cli.IO.SearchIndexFile.Read(index).File.Precision);

        var error = Assert.Throws<ArgumentException>(() => PrecisionOption.Parse("fp16"));
        Assert.Contains("--precision 'fp16'", error.Message, StringComparison.Ordinal);
        Assert.Contains("fp32, int8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputThatIsAnInputAFolderOrOutOfReachIsRefusedByNameBeforeAnyWork()
    {
        var input = Write("in.tsv", "the quick brown fox\n");
        var before = File.ReadAllBytes(input);
        var options = new EmbeddingOptions();

        // The input itself, and the same file through a symbolic link (the check is by identity, not spelling).
        var same = Assert.Throws<IOException>(() => EmbedCommand.Run(Model, input, Path.Combine(folder, ".", "in.tsv"), options, 1, CancellationToken.None));
        Assert.Contains("--output", same.Message, StringComparison.Ordinal);
        Assert.Contains("is also an input", same.Message, StringComparison.Ordinal);
        var link = Path.Combine(folder, "link.tsv");
        File.CreateSymbolicLink(link, input);
        Assert.Contains("is also an input", Assert.Throws<IOException>(() => EmbedCommand.Run(Model, input, link, options, 1, CancellationToken.None)).Message,
            StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(input));

        // A folder, and a folder that does not exist: named before the model loads (a model that does not exist is never reached).
        var missing = Path.Combine(folder, "no-such-model");
        Directory.CreateDirectory(Path.Combine(folder, "out.npy"));
        Assert.Contains("--output", Assert.Throws<IOException>(() => EmbedCommand.Run(missing, input, Path.Combine(folder, "out.npy"), options, 1, CancellationToken.None)).Message,
            StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<IOException>(() => EmbedCommand.Run(missing, input, Path.Combine(folder, "nowhere", "x.npy"), options, 1, CancellationToken.None)).Message,
            StringComparison.Ordinal);

        // Threads past four per core.
        var threads = Assert.Throws<ArgumentException>(() => EmbedCommand.Run(Model, Write("in.txt", "the quick brown fox\n"), Path.Combine(folder, "t.npy"), options, 100_000, CancellationToken.None));
        Assert.Contains("--threads is 100000", threads.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder, "*.partial"));
        Assert.False(File.Exists(Path.Combine(folder, "t.npy")));
    }

    [Fact]
    public void ManyBatchesReportProgressWithoutFailing()
    {
        var input = Write("in.txt", string.Join('\n', Enumerable.Repeat("the quick brown fox", 100)));
        var output = Path.Combine(folder, "out.npy");
        Assert.Equal(0, EmbedCommand.Run(Model, input, output, new EmbeddingOptions { BatchSize = 3 }, 1, CancellationToken.None));
        Assert.Equal([100, 32], ReadNpy(output).Shape);
    }

    [Fact]
    public void TsvHasAHeaderAndOneVectorPerLine()
    {
        var input = Write("in.txt", "the quick brown fox\nthe lazy dog");
        var output = Path.Combine(folder, "out.tsv");
        EmbedCommand.Run(Model, input, output, new EmbeddingOptions(), 1, CancellationToken.None);
        var lines = File.ReadAllLines(output);
        Assert.Equal(3, lines.Length);
        Assert.Equal(string.Join('\t', Enumerable.Range(0, 32).Select(i => $"f{i}")), lines[0]);
        using var model = BertModel.Load(Model);
        var expected = model.Embed(["the lazy dog"]);
        Assert.Equal(expected[0].ToArray(), lines[2].Split('\t').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void PerTokenVectorsGoToJsonLines()
    {
        var input = Write("in.txt", "the dog\n");
        var output = Path.Combine(folder, "out.jsonl");
        EmbedCommand.Run(Model, input, output, new EmbeddingOptions { Pooling = Pooling.None }, 1, CancellationToken.None);
        var row = JsonDocument.Parse(File.ReadAllLines(output).Single()).RootElement;
        Assert.Equal(["[CLS]", "the", "dog", "[SEP]"], row.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(4, row.GetProperty("vectors").GetArrayLength());
        Assert.Equal(32, row.GetProperty("vectors")[0].GetArrayLength());

        var error = Assert.Throws<ArgumentException>(() => EmbedCommand.Run(Model, input, Path.Combine(folder, "x.npy"), new EmbeddingOptions { Pooling = Pooling.None }, 1, CancellationToken.None));
        Assert.Contains(".jsonl", error.Message, StringComparison.Ordinal);
        Assert.Contains("must end in .npy, .jsonl, .tsv or .parquet", Assert.Throws<ArgumentException>(
            () => EmbedCommand.Run(Model, input, Path.Combine(folder, "x.csv"), new EmbeddingOptions(), 1, CancellationToken.None)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InspectReportsLayersAndHiddenStates()
    {
        var output = new StringWriter();
        InspectCommand.Run(Model, output);
        var text = output.ToString();
        Assert.Contains("3 encoder layers, hidden size 32", text, StringComparison.Ordinal);
        Assert.Contains("(node /encoder/layer.2/output/LayerNorm/Add_1)", text, StringComparison.Ordinal);
        Assert.Contains("255 tokens", text, StringComparison.Ordinal);
        Assert.Contains("max positions    64", text, StringComparison.Ordinal);
    }

    private static (int[] Shape, float[] Values) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("\u0093NUMPY", Encoding.Latin1.GetString(bytes, 0, 6));
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header, StringComparison.Ordinal);
        var dims = header[(header.IndexOf('(') + 1)..header.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var data = bytes.AsSpan(10 + headerLength);
        var values = new float[data.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
        }

        return ([.. dims.Select(int.Parse)], values);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }
}
