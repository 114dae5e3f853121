using System.Globalization;
using System.Text;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Trainers;

namespace Bert.MLNet.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "bert-mlnet-train-" + Guid.NewGuid().ToString("N"));

    public TrainCommandTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("fasttree", 2)]
    [InlineData("fasttree", 3)]
    [InlineData("lbfgs", 2)]
    [InlineData("lbfgs", 3)]
    public void TrainEvaluateAndPredictAgreeWithTheLibrary(string trainer, int classes)
    {
        var train = WriteBlobs("train.csv", 300, classes, seed: 1);
        var test = WriteBlobs("test.tsv", 120, classes, seed: 2);
        var model = Path.Combine(folder, "model.zip");
        Assert.Equal(0, TrainCommand.Run(Settings(train, trainer, model), CancellationToken.None));

        var metricsPath = Path.Combine(folder, "metrics.json");
        Assert.Equal(0, EvaluateCommand.Run(model, test, null, metricsPath));
        using var metrics = JsonDocument.Parse(File.ReadAllText(metricsPath));
        var root = metrics.RootElement;
        foreach (var key in new[] { "accuracy", "macroAccuracy", "logLoss" })
        {
            Assert.InRange(root.GetProperty(key).GetDouble(), 0, key == "logLoss" ? 10 : 1);
        }

        Assert.Equal(classes == 2, root.TryGetProperty("auc", out _));
        Assert.Equal(classes == 2, root.TryGetProperty("f1", out _));

        // The same numbers as the library computes from the saved model.
        var loaded = TrainedModel.Load(model);
        var table = DelimitedTable.Read(test);
        var data = LabeledData.ForClassification(table.Features(loaded.FeatureNames), table.Text("species"), loaded.Classes);
        var expected = MulticlassMetrics.Compute(data.ClassIndices!, loaded.Predict(data.Features), classes);
        Assert.Equal(expected.MicroAccuracy, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(expected.LogLoss, root.GetProperty("logLoss").GetDouble(), 12);
        Assert.True(expected.MicroAccuracy > 0.9, $"accuracy {expected.MicroAccuracy}");

        var predictions = Path.Combine(folder, "predictions.csv");
        Assert.Equal(0, PredictCommand.Run(model, test, predictions));
        var lines = File.ReadAllLines(predictions);
        Assert.Equal(["PredictedLabel", .. loaded.Classes!.Names.Select(n => "Probability." + n)], lines[0].Split(','));
        Assert.Equal(121, lines.Length);
        var probabilities = loaded.Predict(data.Features);
        var first = lines[1].Split(',');
        Assert.Equal(loaded.Classes[loaded.PredictClasses(data.Features)[0]], first[0]);
        Assert.Equal(probabilities[..classes], first[1..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void RealNumberLabelsTrainARegressionWithRmseInTheMetrics()
    {
        var lines = new StringBuilder("x,noise,y\n");
        var random = new Random(3);
        for (var i = 0; i < 400; i++)
        {
            var x = random.NextDouble() * 10;
            lines.Append(CultureInfo.InvariantCulture, $"{x},{random.NextDouble()},{(2 * x) + 0.5 + (random.NextDouble() * 0.1)}\n");
        }

        var data = Write("reg.csv", lines.ToString());
        var model = Path.Combine(folder, "model.zip");
        Assert.Equal(0, TrainCommand.Run(Settings(data, "fasttree", model) with { LabelColumn = "y" }, CancellationToken.None));
        Assert.Equal(PredictionKind.Regression, TrainedModel.Load(model).Kind);
        var metrics = Path.Combine(folder, "m.json");
        EvaluateCommand.Run(model, data, null, metrics);
        using var json = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.True(json.RootElement.GetProperty("rSquared").GetDouble() > 0.99);

        var predictions = Path.Combine(folder, "reg-predictions.csv");
        Assert.Equal(0, PredictCommand.Run(model, data, predictions));
        var written = File.ReadAllLines(predictions);
        Assert.Equal("Score", written[0]);
        var loaded = TrainedModel.Load(model);
        var expected = loaded.Predict(DelimitedTable.Read(data).Features(loaded.FeatureNames));
        Assert.Equal(expected, written[1..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)));

        var error = Assert.Throws<ArgumentException>(() => TrainCommand.Run(Settings(data, "lbfgs", model) with { LabelColumn = "y" }, CancellationToken.None));
        Assert.Contains("--trainer fasttree for regression", error.Message);
    }

    [Fact]
    public void WholeNumberLabelsWrittenAsFloatsAreClasses()
    {
        var data = Write("floats.csv", "x,species\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{i},{(i < 20 ? "0.0" : "1.0")}")) + "\n");
        var model = Path.Combine(folder, "model.zip");
        Assert.Equal(0, TrainCommand.Run(Settings(data, "lbfgs", model), CancellationToken.None));
        var loaded = TrainedModel.Load(model);
        Assert.Equal(PredictionKind.BinaryClassification, loaded.Kind);
        Assert.Equal(["0.0", "1.0"], loaded.Classes!.Names);
    }

    [Fact]
    public void ValidationFractionHoldsOutRowsForEarlyStopping()
    {
        // The label follows f0 > 0.5 but a quarter of the labels are flipped: past a few rounds trees fit noise.
        var random = new Random(4);
        var text = new StringBuilder("f0,f1,species\n");
        for (var i = 0; i < 400; i++)
        {
            var f0 = random.NextDouble();
            var label = (f0 > 0.5) ^ (random.NextDouble() < 0.25) ? "yes" : "no";
            text.Append(CultureInfo.InvariantCulture, $"{f0},{random.NextDouble()},{label}\n");
        }

        var train = Write("noisy.csv", text.ToString());
        var model = Path.Combine(folder, "model.zip");
        Assert.Equal(0, TrainCommand.Run(Settings(train, "fasttree", model) with { ValidationFraction = 0.25 }, CancellationToken.None));
        var loaded = (BoostedTreeModel)TrainedModel.Load(model);
        Assert.Equal("300", loaded.Metadata["trainingRows"]);
        Assert.True(loaded.Rounds < 50, $"kept {loaded.Rounds} rounds of noise fitting");
    }

    [Fact]
    public void BadInputIsAnErrorNamingTheProblem()
    {
        var model = Path.Combine(folder, "model.zip");
        var good = WriteBlobs("good.csv", 50, 2, seed: 1);
        Assert.Contains("no column 'label'", Assert.Throws<ArgumentException>(() =>
            TrainCommand.Run(Settings(good, "fasttree", model) with { LabelColumn = "label" }, CancellationToken.None)).Message);

        var cell = Write("cell.csv", "a,b,species\n1,2,x\n3,oops,y\n");
        Assert.Equal("cell.csv, line 3, column 'b': 'oops' is not a finite number; feature columns must be numeric (empty, NaN or NA for a missing value).",
            Path.GetFileName(Assert.Throws<FormatException>(() => TrainCommand.Run(Settings(cell, "fasttree", model), CancellationToken.None)).Message));

        var single = Write("single.csv", "a,species\n1,x\n2,x\n");
        Assert.Contains("every row of the label column 'species' is 'x'", Assert.Throws<InvalidDataException>(() =>
            TrainCommand.Run(Settings(single, "fasttree", model), CancellationToken.None)).Message);

        var empty = Write("empty.csv", string.Empty);
        Assert.Contains("is empty", Assert.Throws<InvalidDataException>(() => TrainCommand.Run(Settings(empty, "fasttree", model), CancellationToken.None)).Message);

        var blankLabel = Write("blank.csv", "a,species\n1,x\n2,\n");
        Assert.Contains("line 3: the label column 'species' is empty", Assert.Throws<InvalidDataException>(() =>
            TrainCommand.Run(Settings(blankLabel, "fasttree", model), CancellationToken.None)).Message);

        Assert.Contains("--trainer 'svm'", Assert.Throws<ArgumentException>(() => TrainCommand.Run(Settings(good, "svm", model), CancellationToken.None)).Message);
        Assert.Contains("Leaves", Assert.Throws<ArgumentOutOfRangeException>(() =>
            TrainCommand.Run(Settings(good, "fasttree", model) with { Trees = new BoostedTreeOptions { Leaves = 0 } }, CancellationToken.None)).Message);

        TrainCommand.Run(Settings(good, "fasttree", model), CancellationToken.None);
        var otherClasses = Write("other.csv", "f0,f1,species\n1,2,zebra\n");
        Assert.Contains("'zebra' is not one of the model's classes", Assert.Throws<InvalidDataException>(() => EvaluateCommand.Run(model, otherClasses, null, null)).Message);
        var noFeature = Write("nofeature.csv", "f0,species\n1,a\n");
        Assert.Contains("no column 'f1'", Assert.Throws<ArgumentException>(() => PredictCommand.Run(model, noFeature, Path.Combine(folder, "p.csv"))).Message);
    }

    [Fact]
    public void TheCommandLineReportsErrorsAsOneLineAndExitCodeOne()
    {
        var data = Write("single.csv", "a,species\n1,x\n2,x\n");
        var (code, error) = RunTrain(["--data", data, "--label-column", "species", "--output", Path.Combine(folder, "m.zip")]);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains("classification needs at least two classes", error);
    }

    [Theory]
    [InlineData("lbfgs", "--trees", "10", "--trees applies to --trainer fasttree, not --trainer lbfgs.")]
    [InlineData("fasttree", "--l1", "2", "--l1 applies to --trainer lbfgs, not --trainer fasttree.")]
    public void AnOptionOfTheOtherTrainerIsAnError(string trainer, string option, string value, string message)
    {
        var data = WriteBlobs("train.csv", 50, 2, seed: 1);
        var (code, error) = RunTrain(["--data", data, "--label-column", "species", "--trainer", trainer, option, value, "--output", Path.Combine(folder, "m.zip")]);
        Assert.Equal(1, code);
        Assert.Equal("error: " + message, error.Trim());
        Assert.False(File.Exists(Path.Combine(folder, "m.zip")));
    }

    /// <summary>Runs <c>bert-mlnet train</c> as the command line would, capturing stderr.</summary>
    private static (int Code, string Error) RunTrain(string[] arguments)
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            var root = new System.CommandLine.RootCommand { TrainCommand.Create() };
            return (root.Parse(["train", .. arguments]).Invoke(), error.ToString());
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    private TrainCommand.TrainSettings Settings(string data, string trainer, string output) =>
        new(data, "species", trainer, "auto", output, 0, 0) { Trees = new BoostedTreeOptions { Threads = 2 } };

    private string WriteBlobs(string name, int rows, int classes, int seed)
    {
        var separator = name.EndsWith(".tsv", StringComparison.Ordinal) ? '\t' : ',';
        var random = new Random(7);
        var centers = Enumerable.Range(0, classes).Select(_ => new[] { random.NextDouble() * 10, random.NextDouble() * 10 }).ToArray();
        random = new Random(seed);
        var text = new StringBuilder($"f0{separator}f1{separator}species\n");
        for (var r = 0; r < rows; r++)
        {
            var c = r % classes;
            text.Append(CultureInfo.InvariantCulture, $"{centers[c][0] + random.NextDouble()}{separator}{centers[c][1] + random.NextDouble()}{separator}kind {(char)('a' + c)}\n");
        }

        return Write(name, text.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
