using System.Globalization;

namespace Bert.MLNet.Trainers.Tests;

public sealed class DataTests
{
    [Fact]
    public void QuotedFieldsLineBreaksAndCrLfAreRead()
    {
        var table = DelimitedTable.Parse("\uFEFFa,\"b, quoted\",c\r\n1,\"x \"\"y\"\"\",3\r\n\r\n4,\"two\nlines\",6\n", "t.csv", null);
        Assert.Equal(["a", "b, quoted", "c"], table.Columns);
        Assert.Equal(2, table.RowCount);
        Assert.Equal("x \"y\"", table[0, 1]);
        Assert.Equal("two\nlines", table[1, 1]);
        Assert.Equal("6", table[1, 2]);
        Assert.Equal(4, table.LineOf(1));
    }

    [Fact]
    public void TabsAreFoundFromTheHeaderAndMissingValuesBecomeNaN()
    {
        var table = DelimitedTable.Parse("x\ty\tlabel\n1.5\t\tA\nNaN\t-2e3\tB\nNA\t7\tA\n", "t", null);
        var features = table.Features(["x", "y"]);
        Assert.Equal([1.5f, float.NaN, float.NaN, -2000f, float.NaN, 7f], features.Values.ToArray());
        Assert.Equal(["A", "B", "A"], table.Text("label"));
    }

    [Fact]
    public void ParsedNumbersEqualFloatParse()
    {
        var random = new Random(4);
        var texts = Enumerable.Range(0, 20_000).Select(i => (random.NextDouble() * Math.Pow(10, random.Next(-20, 20)) * (i % 2 == 0 ? 1 : -1))
            .ToString(i % 3 == 0 ? "R" : i % 3 == 1 ? "G9" : "E4", CultureInfo.InvariantCulture)).ToArray();
        var table = DelimitedTable.Parse("v\n" + string.Join('\n', texts), "t", ',');
        var values = table.Features(["v"]).Values.ToArray();
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(float.Parse(texts[i], CultureInfo.InvariantCulture), values[i]);
        }
    }

    [Fact]
    public void BadTablesNameTheFileLineAndColumn()
    {
        var notNumber = Assert.Throws<FormatException>(() => DelimitedTable.Parse("a,b\n1,2\n3,abc\n", "data.csv", null).Features(["a", "b"]));
        Assert.Equal("data.csv, line 3, column 'b': 'abc' is not a finite number; feature columns must be numeric (empty, NaN or NA for a missing value).", notNumber.Message);
        Assert.Contains("line 3", Assert.Throws<FormatException>(() => DelimitedTable.Parse("a\n1\ninf\n", "d", null).Features(["a"])).Message);

        var fields = Assert.Throws<InvalidDataException>(() => DelimitedTable.Parse("a,b\n1,2\n3\n", "data.csv", null));
        Assert.Contains("line 3: 1 fields where the header has 2", fields.Message);

        Assert.Contains("is empty", Assert.Throws<InvalidDataException>(() => DelimitedTable.Parse("", "data.csv", null)).Message);
        Assert.Contains("no rows", Assert.Throws<InvalidDataException>(() => DelimitedTable.Parse("a,b\n", "data.csv", null).Features(["a"])).Message);
        Assert.Contains("'a' twice", Assert.Throws<InvalidDataException>(() => DelimitedTable.Parse("a,a\n1,2\n", "data.csv", null)).Message);
        Assert.Contains("never closed", Assert.Throws<InvalidDataException>(() => DelimitedTable.Parse("a\n\"open\n", "data.csv", null)).Message);

        var column = Assert.Throws<ArgumentException>(() => DelimitedTable.Parse("a,b\n1,2\n", "data.csv", null).ColumnIndex("label"));
        Assert.Contains("no column 'label'; its columns are 'a', 'b'", column.Message);
        Assert.Throws<FileNotFoundException>(() => DelimitedTable.Read("/no/such/file.csv"));
    }

    [Fact]
    public void ClassesSortNumericallyWhenTheyAreIntegersElseOrdinally()
    {
        Assert.Equal(["-1", "2", "10"], ClassLabels.FromValues(["10", "2", "-1", "2"]).Names);
        Assert.Equal(["10", "2", "b"], ClassLabels.FromValues(["b", "2", "10"]).Names);
        Assert.Equal(["false", "true"], ClassLabels.FromValues(["true", "false"]).Names);
    }

    [Fact]
    public void SplitsAreStratifiedSeededAndDisjoint()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i < 80 ? "a" : "b").ToArray();
        var data = LabeledData.ForClassification(new FeatureMatrix(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), 100, 1), labels);
        var (kept, heldOut) = data.Split(0.25, seed: 3);
        Assert.Equal(75, kept.Count);
        Assert.Equal(25, heldOut.Count);
        Assert.Equal(5, heldOut.ClassIndices!.Count(c => c == 1));
        var all = kept.Features.Values.ToArray().Concat(heldOut.Features.Values.ToArray()).Order();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (float)i), all);
        Assert.Equal(heldOut.Features.Values.ToArray(), data.Split(0.25, seed: 3).HeldOut.Features.Values.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1));
    }

    [Fact]
    public void LabelsOutsideTheClassesAreRefusedByRow()
    {
        var features = new FeatureMatrix([1, 2], 2, 1);
        Assert.Contains("Row 1 has label 'c'", Assert.Throws<ArgumentException>(() => LabeledData.ForClassification(features, ["a", "c"], new ClassLabels(["a", "b"]))).Message);
        Assert.Contains("Row 1 has target NaN", Assert.Throws<ArgumentException>(() => LabeledData.ForRegression(features, [1, float.NaN])).Message);
        Assert.Contains("2 labels for 1 rows", Assert.Throws<ArgumentException>(() => LabeledData.ForClassification(new FeatureMatrix([1], 1, 1), ["a", "b"])).Message);
    }
}
