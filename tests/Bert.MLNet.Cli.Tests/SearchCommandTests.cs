using System.IO.Compression;
using Bert.MLNet.Cli.Commands;

namespace Bert.MLNet.Cli.Tests;

public sealed class SearchCommandTests : IDisposable
{
    private static readonly string Model = Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "tests", "Bert.MLNet.Tests", "Models", "tiny-bert");

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-search-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("float32")]
    [InlineData("int8")]
    public void HitsScoreAsTheLibrarysCosineAndExactIndexesFindEachLineFirst(string storage)
    {
        string[] lines = ["the quick brown fox", "the lazy dog sleeps", "money and power", "a book about the history of the world"];
        var input = Path.Combine(folder, "lines.txt");
        File.WriteAllLines(input, lines);
        var index = Path.Combine(folder, "lines.index");
        Assert.Equal(0, IndexCommand.Run(Model, input, index, "-2..-1", "mean", storage, "fp32", CancellationToken.None));

        var output = new StringWriter();
        Assert.Equal(0, SearchCommand.Run(index, null, input, 2, output, CancellationToken.None));
        var rows = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(r => r.Split('\t')).ToArray();
        Assert.Equal(lines.Length * 2, rows.Length);
        using var model = BertModel.Load(Model);
        var vectors = model.Embed(lines, new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Normalize = true });
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        for (var q = 0; q < lines.Length; q++)
        {
            foreach (var row in rows[(q * 2)..((q * 2) + 2)])
            {
                var line = int.Parse(row[3], culture) - 1;
                Assert.Equal(lines[q], row[0]);
                Assert.Equal(lines[line], row[4]);
                var cosine = System.Numerics.Tensors.TensorPrimitives.Dot(vectors[q], vectors[line]);
                Assert.Equal(cosine, double.Parse(row[2], culture), storage == "int8" ? 0.01 : 1e-4);
            }

            // The tiny test model puts these sentences within 0.01 of each other, inside int8's error.
            if (storage == "float32")
            {
                Assert.Equal(["1", (q + 1).ToString(culture)], [rows[q * 2][1], rows[q * 2][3]]);
            }
        }
    }

    [Fact]
    public void BadIndexesAndOptionsAreRefusedByName()
    {
        var input = Path.Combine(folder, "lines.txt");
        File.WriteAllLines(input, ["one", "two"]);
        var missing = Path.Combine(folder, "missing.index");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => SearchCommand.Run(missing, "x", null, 3, TextWriter.Null, CancellationToken.None)).Message, StringComparison.Ordinal);

        var foreign = Path.Combine(folder, "foreign.zip");
        using (var zip = ZipFile.Open(foreign, ZipArchiveMode.Create))
        {
            zip.CreateEntry("something.txt");
        }

        Assert.Contains("not a bert-mlnet index", Assert.Throws<InvalidDataException>(() => SearchCommand.Run(foreign, "x", null, 3, TextWriter.Null, CancellationToken.None)).Message, StringComparison.Ordinal);
        Assert.Contains("not a bert-mlnet index", Assert.Throws<InvalidDataException>(() => SearchCommand.Run(input, "x", null, 3, TextWriter.Null, CancellationToken.None)).Message, StringComparison.Ordinal);
        Assert.Contains("exactly one of --query", Assert.Throws<ArgumentException>(() => SearchCommand.Run(input, null, null, 3, TextWriter.Null, CancellationToken.None)).Message, StringComparison.Ordinal);
        Assert.Contains("-k is 0", Assert.Throws<ArgumentException>(() => SearchCommand.Run(input, "x", null, 0, TextWriter.Null, CancellationToken.None)).Message, StringComparison.Ordinal);
        Assert.Contains("--storage 'int4'", Assert.Throws<ArgumentException>(() => IndexCommand.Run(Model, input, Path.Combine(folder, "x.index"), "-1", "mean", "int4", "fp32", CancellationToken.None)).Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "x.index")));
    }
}
