using System.Text;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Cli.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Tests;

/// <summary>
/// The one set of dataset rules (<see cref="DatasetFile"/>): hand-made files with their expected rows and lines, valid
/// quoted CSV checked against ML.NET's own TextLoader, and every broken file refused in one line naming the file and line.
/// </summary>
public sealed class DatasetFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-dataset-test-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void QuotedFieldsBlankLinesBomAndCrlfGiveRecordsWithTheirFileLines()
    {
        var path = Write("quoted.csv", "\uFEFFLabel,Text\r\n\r\na,\"two\r\nlines, one comma\"\r\n\r\nb,\"a \"\"quoted\"\" word\"\r\nc,plain\r\n");
        var file = DatasetFile.Open(path);
        Assert.Equal(["Label", "Text"], file.Columns);
        Assert.Equal(3, file.Rows);
        Assert.Equal(["a", "b", "c"], file.Texts("Label"));
        Assert.Equal(["two\nlines, one comma", "a \"quoted\" word", "plain"], file.Texts("Text"));
        Assert.Equal([3, 6, 7], Enumerable.Range(0, 3).Select(file.Line));

        // An error after the quoted field and the blank lines names the line as an editor shows it.
        var bad = Write("bad-label.csv", "Score,Text\n\n1,\"x\ny\"\n\n2,z\nn/a,w\n");
        var error = Assert.Throws<InvalidDataException>(() => DatasetFile.Open(bad).Numbers(DatasetFile.Open(bad).Labels("Score"), "Score"));
        Assert.Equal($"Dataset '{bad}' line 7: the label 'n/a' in column 'Score' is not a number; a regression needs a finite number in every row.", error.Message);
    }

    [Fact]
    public void ValidQuotedCsvReadsAsMLNetsTextLoaderReadsIt()
    {
        // Seeded rows with commas, doubled quotes, line breaks and empty fields, quoted as a CSV writer quotes them.
        var random = new Random(7);
        var pieces = new[] { "word", "two words", ",", "\"", "\"\"", "\n", "é", "中", " ", string.Empty, "a,b", "x\ny" };
        var rows = Enumerable.Range(0, 300).Select(_ => Enumerable.Range(0, 3)
            .Select(_ => string.Concat(Enumerable.Range(0, random.Next(0, 4)).Select(_ => pieces[random.Next(pieces.Length)]))).ToArray()).ToArray();
        var csv = new StringBuilder("A,B,C\n");
        foreach (var row in rows)
        {
            csv.AppendLine(string.Join(',', row.Select(v => v.Length == 0 || v.IndexOfAny([',', '"', '\n']) >= 0 || v != v.Trim() ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v)));
        }

        var path = Write("random.csv", csv.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        var file = DatasetFile.Open(path);
        var ml = new MLContext();
        var loader = ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Separators = [','], HasHeader = true, AllowQuoting = true, ReadMultilines = true, TrimWhitespace = false,
            Columns = [new("A", DataKind.String, 0), new("B", DataKind.String, 1), new("C", DataKind.String, 2)],
        }).Load(path);
        Assert.Equal(rows.Length, file.Rows);
        foreach (var column in new[] { "A", "B", "C" })
        {
            var ours = file.Texts(column);
            Assert.Equal(loader.GetColumn<string>(column).Select(v => v ?? string.Empty), ours);
            Assert.Equal(rows.Select(r => r[column[0] - 'A']), ours);
        }

        // The data view it loads holds the same values.
        var view = file.Load([("B", "B", DataKind.String), ("Missing", null, DataKind.String)]);
        Assert.Equal(file.Texts("B"), view.GetColumn<string>("B"));
        Assert.All(view.GetColumn<string>("Missing"), v => Assert.Equal(string.Empty, v));
    }

    [Fact]
    public void BrokenFilesAreRefusedNamingTheFileAndLine()
    {
        string Error(string name, string content) =>
            Assert.ThrowsAny<Exception>(() => DatasetFile.Open(Write(name, content))).Message;
        string ErrorBytes(string name, byte[] content)
        {
            var path = Path.Combine(folder, name);
            File.WriteAllBytes(path, content);
            return Assert.ThrowsAny<Exception>(() => DatasetFile.Open(path)).Message;
        }

        var tab = Path.Combine(folder, "tab.tsv");
        Assert.Equal(
            $"Dataset '{tab}' line 3: 3 fields where the header has 2 columns (TSV has no quoting, so a text cannot hold a tab: remove it, or write the file as a quoted CSV).",
            Error("tab.tsv", "Label\tText\na\tfine\nb\tcut\there\n"));
        Assert.Contains("line 2: 1 field where the header has 2 columns (each row has a field for every column, empty or not)", Error("short.tsv", "Label\tText\nalone\n"),
            StringComparison.Ordinal);
        Assert.Contains("line 2: 3 fields where the header has 2 columns (a text holding a comma must be quoted)", Error("comma.csv", "Label,Text\na,one, two\n"),
            StringComparison.Ordinal);
        Assert.Contains("line 3: column 2 opens a quoted field that is never closed", Error("open.csv", "Label,Text\na,b\nc,\"never\nclosed\n"), StringComparison.Ordinal);
        Assert.Contains("line 2: column 2 has text after its closing quote", Error("after.csv", "Label,Text\na,\"quoted\" then\n"), StringComparison.Ordinal);
        Assert.Contains("line 1: the header names column 'Text' twice", Error("twice.tsv", "Text\tText\na\tb\n"), StringComparison.Ordinal);
        Assert.Contains("line 3: the header names column 'Text' twice", Error("late.tsv", "\n\nText\tText\na\tb\n"), StringComparison.Ordinal);
        Assert.Contains("line 3: not valid UTF-8 (byte 3 of the line)", ErrorBytes("latin1.tsv", [.. "Label\tText\na\tok\nb\t"u8, 0xE9, .. "t\n"u8]),
            StringComparison.Ordinal);
        Assert.Contains("line 1: a NUL byte (byte 2 of the line); expected UTF-8 text (a UTF-16 file? save it as UTF-8)",
            ErrorBytes("utf16.tsv", Encoding.Unicode.GetBytes("Label\tText\na\tb\n")[2..]), StringComparison.Ordinal);
        Assert.Contains("is a folder; expected a .tsv or .csv file", Assert.ThrowsAny<Exception>(() => DatasetFile.Open(Directory.CreateDirectory(Path.Combine(folder, "dir.tsv")).FullName)).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void TrainRefusesWhatItCannotLearnBeforeAnyEmbedding()
    {
        var output = Path.Combine(folder, "out");
        string Error(string name, string content, Func<TrainSettings, TrainSettings>? change = null, string label = "Label")
        {
            var settings = new TrainSettings(Write(name, content), label, "Text", output) { Model = "bert-l4-h128-uncased", Folds = 2, Trainers = "linear", Poolings = "mean" };
            var message = Assert.ThrowsAny<Exception>(() => TrainCommand.Run(change?.Invoke(settings) ?? settings, CancellationToken.None)).Message;
            Assert.False(Directory.Exists(output), "nothing is written");
            return message;
        }

        var mostlyNumbers = "Score\tText\n1\ta\n2\tb\n3\tc\ninf\td\n" + string.Concat(Enumerable.Range(4, 17).Select(i => $"{i}\tt{i}\n"));
        Assert.Contains("line 5: the label 'inf' in column 'Score' is not a number, while 20 of 21 labels are numbers; fix it for a regression, or pass --task multiclass",
            Error("inf.tsv", mostlyNumbers, label: "Score"), StringComparison.Ordinal);
        Assert.Contains("line 3: the label '1e40' in column 'Score' is beyond the range of a 32-bit float (±3.4e38); a regression needs a finite number in every row",
            Error("huge.tsv", "Score\tText\n1\ta\n1e40\tb\n2\tc\n", s => s with { Task = "regression" }, "Score"), StringComparison.Ordinal);
        Assert.Contains("every label in column 'Score' is 3.5; a regression needs labels that vary",
            Error("constant.tsv", "Score\tText\n3.5\ta\n3.5\tb\n3.5\tc\n", s => s with { Task = "regression" }, "Score"), StringComparison.Ordinal);
        Assert.Contains("--folds 5: dataset", Error("few.tsv", "Label\tText\na\tx\nb\ty\na\tz\n", s => s with { Folds = 5 }), StringComparison.Ordinal);
        Assert.Contains("has 3 rows; each fold needs at least one", Error("few2.tsv", "Label\tText\na\tx\nb\ty\na\tz\n", s => s with { Folds = 5 }), StringComparison.Ordinal);
        Assert.Contains("the text column 'Text' (--text-col) is empty in every row", Error("blank.tsv", "Label\tText\na\t\nb\t \na\t\n"), StringComparison.Ordinal);
        Assert.Contains("--max-minutes Infinity: expected a positive number of minutes, at most 525600",
            Error("ok.tsv", "Label\tText\na\tx\nb\ty\n", s => s with { MaxMinutes = double.PositiveInfinity }), StringComparison.Ordinal);
        Assert.Contains("column 'Doc' (--group-col) of dataset", Error("groups.tsv", "Label\tText\tDoc\na\tx\td1\nb\ty\td1\na\tz\td1\n", s => s with { GroupColumn = "Doc" }),
            StringComparison.Ordinal);
        Assert.Contains("has 1 distinct values; each fold needs at least one group", Error("groups2.tsv", "Label\tText\tDoc\na\tx\td1\nb\ty\td1\n", s => s with { GroupColumn = "Doc" }),
            StringComparison.Ordinal);
        Assert.Contains("has no column 'Doc' (--group-col)", Error("nogroup.tsv", "Label\tText\na\tx\nb\ty\n", s => s with { GroupColumn = "Doc" }), StringComparison.Ordinal);
    }

    [Fact]
    public void TrainWarnsOfOneRowClassesImplausibleClassCountsAndRareBinaryClasses()
    {
        List<string> Warnings(string content, string task, int folds = 2)
        {
            var file = DatasetFile.Open(Write("warn.tsv", content));
            var settings = new TrainSettings(file.Path, "Label", "Text", Path.Combine(folder, "out")) { Folds = folds };
            return TrainingChecks.Check(file, file.Labels("Label"), settings, task == "binary" ? Bert.MLNet.Featurization.SweepTask.Binary : Bert.MLNet.Featurization.SweepTask.Multiclass);
        }

        Assert.Equal(["2 classes of column 'Label' have one row ('c', 'd'): the fold that tests such a row has never seen its class."],
            Warnings("Label\tText\n" + string.Concat(Enumerable.Repeat("a\tx\nb\ty\n", 4)) + "c\tv\nd\tu\n", "multiclass"));
        var fragments = string.Concat(Enumerable.Range(0, 10).Select(i => $"fragment {i}\tx\nfragment {i}\ty\nfragment {i + 10}\tz\n"));
        Assert.Equal(["column 'Label' has 20 classes for 30 rows: is it the label you meant? (numbers are a regression only when every label is one; --task regression says so)"],
            Warnings("Label\tText\n" + fragments, "multiclass"));
        Assert.Equal(["class 'spam' of column 'Label' has 2 rows for 5 folds: some folds test without it, and the scores vary more."],
            Warnings("Label\tText\n" + string.Concat(Enumerable.Repeat("ham\tx\n", 8)) + "spam\ty\nspam\tz\n", "binary", folds: 5));
        Assert.Empty(Warnings("Label\tText\na\tx\na\ty\nb\tz\nb\tw\n", "binary"));
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }
}
