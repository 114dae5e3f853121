using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Cli.Data;
using Microsoft.CodeAnalysis;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Tests;

/// <summary>train → evaluate → predict on small real datasets, the saved model read back with plain ML.NET, and the generated code compiled and run.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private static readonly string Datasets = Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "datasets");

    private readonly string folder = Directory.CreateTempSubdirectory("bert-mlnet-train-test-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void MulticlassTrainingWritesAPlainMLNetModelThatEvaluateAndPredictAgreeOn()
    {
        var train = Sample("wordnet-topics", "train.tsv", 240, "topic\tdefinition");
        var test = Sample("wordnet-topics", "test.tsv", 80, "topic\tdefinition");
        var output = Path.Combine(folder, "out");
        Assert.Equal(0, TrainCommand.Run(Settings(train, "topic", "definition", output), CancellationToken.None));

        // The leaderboard: every candidate (mean: layers 0-4, last four, first-last-avg; FeaturizeText alone, and with BERT
        // unless FeaturizeText alone scores more than 0.10 below the best BERT features), best first.
        var board = File.ReadAllLines(Path.Combine(output, TrainOutputs.LeaderboardFile)).Skip(1).Select(l => l.Split(',')).ToArray();
        var scores = board.Select(r => double.Parse(r[^3], CultureInfo.InvariantCulture)).ToArray();
        var textScore = scores[Array.FindIndex(board, r => r[1] == "FeaturizeText")];
        var bertScore = scores.Where((_, i) => board[i][4] == "false").Max();
        Assert.Equal(bertScore - textScore > 0.10 ? 8 : 9, board.Length);
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.Contains(board, r => r[1] == "FeaturizeText");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, TrainOutputs.ChartFile))[..4]);
        using var trainMetrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, TrainOutputs.MetricsFile)));
        Assert.Equal("multiclass", trainMetrics.RootElement.GetProperty("task").GetString());
        Assert.Equal(scores[0], trainMetrics.RootElement.GetProperty("best").GetProperty("score").GetDouble(), 12);
        Assert.Equal(5, trainMetrics.RootElement.GetProperty("layerCurve").GetArrayLength());

        // An ordinary ML.NET model: the dataset's columns in, the label's own values out.
        var model = Path.Combine(output, TrainOutputs.ModelFile);
        var info = ModelInfo.Read(model);
        Assert.Equal(("bert-l4-h128-uncased", PretrainedModels.Find("bert-l4-h128-uncased")!.Fingerprint), (info.Model, info.ModelFingerprint));
        Assert.Equal("fp32", info.Precision);
        Assert.StartsWith($"{model}: built with bert-l4-h128-uncased (sha256 {info.ModelFingerprint![..12]}, fp32)", info.BuiltWith(model), StringComparison.Ordinal);
        var ml = new MLContext();
        var loaded = ml.Model.Load(model, out var inputSchema);
        Assert.Equal(["topic", "definition"], inputSchema.Select(c => c.Name));
        var rows = ml.Data.LoadFromTextFile(test, [new("topic", DataKind.String, 0), new("definition", DataKind.String, 1)], '\t', hasHeader: true);
        var predicted = loaded.Transform(rows).GetColumn<string>("PredictedLabel").ToArray();
        var truth = rows.GetColumn<string>("topic").ToArray();
        Assert.Subset(truth.ToHashSet(), predicted.ToHashSet());

        // evaluate: ML.NET's numbers, consistent with the predictions.
        var metricsPath = Path.Combine(folder, "metrics.json");
        Assert.Equal(0, EvaluateCommand.Run(model, test, null, metricsPath));
        using var metrics = JsonDocument.Parse(File.ReadAllText(metricsPath));
        var root = metrics.RootElement;
        var accuracy = predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
        Assert.Equal(accuracy, root.GetProperty("accuracy").GetDouble(), 9);
        Assert.True(accuracy > 0.4, $"accuracy {accuracy} (8 topics, chance 0.125)");
        Assert.InRange(root.GetProperty("logLoss").GetDouble(), 0, 5);
        var classes = root.GetProperty("confusionMatrix").GetProperty("classes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        var counts = root.GetProperty("confusionMatrix").GetProperty("counts").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        for (var t = 0; t < classes.Length; t++)
        {
            for (var p = 0; p < classes.Length; p++)
            {
                Assert.Equal(truth.Zip(predicted).Count(x => x.First == classes[t] && x.Second == classes[p]), counts[t][p]);
            }
        }

        var perClass = root.GetProperty("perClass").EnumerateArray().ToArray();
        Assert.Equal(classes.Average(c => truth.Zip(predicted).Count(x => x.First == c && x.Second == c) / (double)truth.Count(x => x == c)),
            root.GetProperty("macroAccuracy").GetDouble(), 9);
        Assert.All(perClass, c => Assert.Equal(
            2 * c.GetProperty("precision").GetDouble() * c.GetProperty("recall").GetDouble() / Math.Max(1e-12, c.GetProperty("precision").GetDouble() + c.GetProperty("recall").GetDouble()),
            c.GetProperty("f1").GetDouble(), 9));

        // predict: the same labels, and the probabilities in the order of ML.NET's Score slots.
        var predictions = Path.Combine(folder, "predictions.tsv");
        Assert.Equal(0, PredictCommand.Run(model, test, predictions, CancellationToken.None));
        var lines = File.ReadAllLines(predictions);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        loaded.GetOutputSchema(inputSchema)["Score"].GetSlotNames(ref slots);
        Assert.Equal(["PredictedLabel", .. slots.DenseValues().Select(s => "Probability." + s)], lines[0].Split('\t'));
        Assert.Equal(predicted, lines.Skip(1).Select(l => l.Split('\t')[0]));
        var firstScores = loaded.Transform(rows).GetColumn<float[]>("Score").First();
        Assert.Equal(firstScores, lines[1].Split('\t').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)));

        // New data has no label column: predict does without it.
        var unlabelled = Write("unlabelled.tsv", string.Join('\n', ["definition", .. File.ReadLines(test).Skip(1).Select(l => l.Split('\t')[1])]) + "\n");
        Assert.Equal(0, PredictCommand.Run(model, unlabelled, predictions, CancellationToken.None));
        Assert.Equal(predicted, File.ReadLines(predictions).Skip(1).Select(l => l.Split('\t')[0]));

        // The generated consumption code compiles and predicts the same labels.
        var generated = Compile(File.ReadAllText(Path.Combine(output, TrainOutputs.CodeFile)));
        var type = generated.GetType("BertMLNetModel.MLModel")!;
        type.GetProperty("ModelPath")!.SetValue(null, model);
        var inputType = type.GetNestedType("ModelInput")!;
        var predict = type.GetMethod("Predict")!;
        var definitions = rows.GetColumn<string>("definition").Take(20).ToArray();
        for (var i = 0; i < definitions.Length; i++)
        {
            var input = Activator.CreateInstance(inputType)!;
            inputType.GetProperty("Definition")!.SetValue(input, definitions[i]);
            var result = predict.Invoke(null, [input])!;
            Assert.Equal(predicted[i], result.GetType().GetProperty("PredictedLabel")!.GetValue(result));
        }
    }

    [Fact]
    public void TwoLabelValuesTrainABinaryInt8ModelWithAucAndF1()
    {
        var train = Sample("spam-assassin", "train.tsv", 160, null);
        var test = Sample("spam-assassin", "test.tsv", 60, null);
        var output = Path.Combine(folder, "spam");
        Assert.Equal(0, TrainCommand.Run(Settings(train, "Label", "Text", output) with { Poolings = "cls", Precision = "int8" }, CancellationToken.None));
        var model = Path.Combine(output, TrainOutputs.ModelFile);
        Assert.Equal("int8", ModelInfo.Read(model).Precision);
        using (var zip = System.IO.Compression.ZipFile.OpenRead(model))
        {
            // The saved graph is the int8 one: its products are ONNX Runtime's DynamicQuantizeMatMul.
            Assert.Contains(zip.Entries, e =>
            {
                using var stream = e.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray().AsSpan().IndexOf("DynamicQuantizeMatMul"u8) >= 0;
            });
        }

        var metricsPath = Path.Combine(folder, "spam.json");
        Assert.Equal(0, EvaluateCommand.Run(model, test, "Label", metricsPath));
        using var metrics = JsonDocument.Parse(File.ReadAllText(metricsPath));
        var root = metrics.RootElement;
        Assert.Equal("binary", root.GetProperty("task").GetString());
        Assert.Equal("spam", root.GetProperty("positiveClass").GetString());
        Assert.InRange(root.GetProperty("auc").GetDouble(), 0.6, 1);

        // A test set of one class: ML.NET's evaluator refuses it (no AUC); accuracy and F1 come from the counts.
        var hamOnly = Write("ham.tsv", string.Join('\n', File.ReadLines(test).Where((l, i) => i == 0 || l.StartsWith("ham\t", StringComparison.Ordinal))) + "\n");
        var hamPath = Path.Combine(folder, "ham.json");
        Assert.Equal(0, EvaluateCommand.Run(model, hamOnly, "Label", hamPath));
        using (var ham = JsonDocument.Parse(File.ReadAllText(hamPath)))
        {
            var hamRows = File.ReadLines(hamOnly).Count() - 1;
            var counts = ham.RootElement.GetProperty("confusionMatrix").GetProperty("counts");
            Assert.Equal(hamRows, counts[0][0].GetInt32() + counts[0][1].GetInt32());
            Assert.Equal(counts[0][0].GetInt32() / (double)hamRows, ham.RootElement.GetProperty("accuracy").GetDouble(), 9);
            Assert.Equal(JsonValueKind.Null, ham.RootElement.GetProperty("auc").ValueKind);
            Assert.Equal(0, ham.RootElement.GetProperty("f1").GetDouble());
        }

        var predictions = Path.Combine(folder, "spam.tsv");
        Assert.Equal(0, PredictCommand.Run(model, test, predictions, CancellationToken.None));
        var lines = File.ReadAllLines(predictions).Skip(1).Select(l => l.Split('\t')).ToArray();
        Assert.Equal("PredictedLabel\tProbability.ham\tProbability.spam", File.ReadLines(predictions).First());
        var truth = File.ReadAllLines(test).Skip(1).Select(l => l.Split('\t')[0]).ToArray();
        var accuracy = lines.Zip(truth).Count(p => p.First[0] == p.Second) / (double)truth.Length;
        Assert.Equal(accuracy, root.GetProperty("accuracy").GetDouble(), 9);
        var tp = lines.Zip(truth).Count(p => p.First[0] == "spam" && p.Second == "spam");
        var precision = tp / (double)lines.Count(l => l[0] == "spam");
        var recall = tp / (double)truth.Count(t => t == "spam");
        Assert.Equal(2 * precision * recall / (precision + recall), root.GetProperty("f1").GetDouble(), 9);
        Assert.All(lines, l => Assert.Equal(l[0] == "spam", float.Parse(l[2], CultureInfo.InvariantCulture) > 0.5f));
    }

    [Fact]
    public void NumericLabelsTrainARegressionAndSentencePairsTrainOnPairFeatures()
    {
        // A number the texts carry (their word count) in a CSV with quoted fields.
        var texts = File.ReadLines(Path.Combine(Datasets, "wordnet-topics", "train.tsv")).Skip(1).Take(200).Select(l => l.Split('\t')[1]).ToArray();
        var csv = Path.Combine(folder, "lengths.csv");
        File.WriteAllLines(csv, ["words,text", .. texts.Select(t => $"{t.Split(' ').Length},\"{t.Replace("\"", "\"\"", StringComparison.Ordinal)}\"")]);
        var output = Path.Combine(folder, "nested", "lengths");  // Missing parent folders are made, as the output folder is.
        Assert.Equal(0, TrainCommand.Run(Settings(csv, "words", "text", output) with { Poolings = "mean-sqrt-len", Trainers = "lightgbm" }, CancellationToken.None));
        var metricsPath = Path.Combine(folder, "lengths.json");
        Assert.Equal(0, EvaluateCommand.Run(Path.Combine(output, TrainOutputs.ModelFile), csv, null, metricsPath));
        using (var metrics = JsonDocument.Parse(File.ReadAllText(metricsPath)))
        {
            Assert.Equal("regression", metrics.RootElement.GetProperty("task").GetString());
            Assert.True(metrics.RootElement.GetProperty("rSquared").GetDouble() > 0.5);
            Assert.True(metrics.RootElement.GetProperty("rmse").GetDouble() >= metrics.RootElement.GetProperty("mae").GetDouble());
        }

        // Pairs of definitions: same topic or not.
        var rows = File.ReadLines(Path.Combine(Datasets, "wordnet-topics", "train.tsv")).Skip(1).Select(l => l.Split('\t')).ToArray();
        var random = new Random(5);
        var pairs = Enumerable.Range(0, 240).Select(i =>
        {
            var a = rows[random.Next(rows.Length)];
            var b = i % 2 == 0 ? rows.Where(r => r[0] == a[0]).ElementAt(random.Next(50)) : rows[random.Next(rows.Length)];
            return $"{(a[0] == b[0] ? "same" : "different")}\t{a[1]}\t{b[1]}";
        });
        var pairFile = Path.Combine(folder, "pairs.tsv");
        File.WriteAllLines(pairFile, ["Relation\tFirst\tSecond", .. pairs]);
        var pairOutput = Path.Combine(folder, "pairs");
        Assert.Equal(0, TrainCommand.Run(Settings(pairFile, "Relation", "First", pairOutput) with { SecondTextColumn = "Second", Poolings = "mean" },
            CancellationToken.None));
        var model = new MLContext().Model.Load(Path.Combine(pairOutput, TrainOutputs.ModelFile), out var schema);
        Assert.Equal(["Relation", "First", "Second"], schema.Select(c => c.Name));
        Assert.Equal(0, PredictCommand.Run(Path.Combine(pairOutput, TrainOutputs.ModelFile), pairFile, Path.Combine(folder, "pairs-out.tsv"), CancellationToken.None));
        Assert.Equal(241, File.ReadAllLines(Path.Combine(folder, "pairs-out.tsv")).Length);
        using var pairMetrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(pairOutput, TrainOutputs.MetricsFile)));
        Assert.True(pairMetrics.RootElement.GetProperty("best").GetProperty("score").GetDouble() > 0.55, "same-topic pairs are found above chance");
    }

    [Fact]
    public void BadInputIsRefusedInOneLineNamingTheFileLineColumnOrOption()
    {
        var train = Sample("wordnet-topics", "train.tsv", 40, null);
        var output = Path.Combine(folder, "bad");
        string Error(TrainSettings settings) =>
            Assert.ThrowsAny<Exception>(() => TrainCommand.Run(settings, CancellationToken.None)).Message;

        Assert.Contains("has no column 'Topic' (--label-col); its columns are: 'Label', 'Text'", Error(Settings(train, "Topic", "Text", output)), StringComparison.Ordinal);
        Assert.Contains("has no column 'Body' (--text-col)", Error(Settings(train, "Label", "Body", output)), StringComparison.Ordinal);
        var empty = Write("empty.tsv", string.Empty);
        Assert.Contains($"Dataset '{empty}' is empty", Error(Settings(empty, "Label", "Text", output)), StringComparison.Ordinal);
        var headerOnly = Write("header.tsv", "Label\tText\n");
        Assert.Contains("has a header but no rows", Error(Settings(headerOnly, "Label", "Text", output)), StringComparison.Ordinal);
        var oneClass = Write("one.tsv", "Label\tText\na\tone\na\ttwo\n");
        Assert.Contains("the label column 'Label' has one value ('a'); a classifier needs two or more", Error(Settings(oneClass, "Label", "Text", output)), StringComparison.Ordinal);
        var badNumber = Write("numbers.tsv", "Score\tText\n1.5\tone\n2\ttwo\nabout 3\tthree\n");
        Assert.Contains("line 4: the label 'about 3' in column 'Score' is not a number", Error(Settings(badNumber, "Score", "Text", output) with { Task = "regression" }),
            StringComparison.Ordinal);
        var noLabel = Write("blank.tsv", "Label\tText\na\tone\n\ttwo\n");
        Assert.Contains("line 3: the label column 'Label' is empty", Error(Settings(noLabel, "Label", "Text", output)), StringComparison.Ordinal);
        Assert.Contains("--task 'sometimes'", Error(Settings(train, "Label", "Text", output) with { Task = "sometimes" }), StringComparison.Ordinal);
        Assert.Contains("--folds 1", Error(Settings(train, "Label", "Text", output) with { Folds = 1 }), StringComparison.Ordinal);
        Assert.Contains("expected a .tsv or .csv file", Error(Settings(Write("data.json", "{}"), "Label", "Text", output)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));

        // Cancelled (Ctrl+C): no output folder, nothing staged left behind.
        Assert.Throws<OperationCanceledException>(() => TrainCommand.Run(Settings(train, "Label", "Text", output), new CancellationToken(canceled: true)));
        Assert.False(Directory.Exists(output));
        Assert.Empty(StagedFolders(output));

        // A zip that train did not write, and a file that is not a zip.
        var foreign = Path.Combine(folder, "foreign.zip");
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable([new { X = 1f }]);
        ml.Model.Save(ml.Transforms.CopyColumns("Y", "X").Fit(data), data.Schema, foreign);
        Assert.Contains("was not written by bert-mlnet train", Assert.Throws<InvalidDataException>(() => EvaluateCommand.Run(foreign, train, null, null)).Message, StringComparison.Ordinal);
        var text = Write("model.zip", "not a zip");
        Assert.Contains("is not a model file", Assert.Throws<InvalidDataException>(() => PredictCommand.Run(text, train, Path.Combine(folder, "p.tsv"), CancellationToken.None)).Message,
            StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "p.tsv")));
    }

    [Fact]
    public void GeneratedCodeCompilesWhateverTheLabelsAndColumnsHold()
    {
        // Labels and column names that would break out of a /// comment, a string literal or an identifier.
        string[] hostile =
        [
            "two\nlines", "*/ static void X() {} /*", "</summary><b>bold", "\"quoted\"", "line\u2028separator", "tab\tand\rcr",
            "next\u0085line", "@\"verbatim", "{0}{{braces}}", "\\back\\slash", "日本語",
        ];
        string[] columns = ["Label", "Text", "ModelInput", "class", "1st", "a b", "a-b", "日本", "Label2", "label"];
        foreach (var (task, classes) in new[] { ("binary", hostile[..2]), ("multiclass", hostile), ("regression", Array.Empty<string>()) })
        {
            var info = new ModelInfo(ModelInfo.CurrentFormat, task, "Label", ["Text"], classes, "accuracy", "layer 4 mean", "Linear", 0.5);
            var generated = Compile(ConsumptionCode.Generate(columns, info));
            var model = generated.GetType("BertMLNetModel.MLModel")!;
            Assert.Equal(classes, (string[])model.GetField("Classes")!.GetValue(null)!);
            var input = model.GetNestedType("ModelInput")!;
            Assert.Equal(columns, input.GetProperties().Select(p =>
                (string)p.CustomAttributes.Single(a => a.AttributeType == typeof(ColumnNameAttribute)).ConstructorArguments[0].Value!));
        }
    }

    // What train stages beside its output folder (output.<pid>.<guid>.partial).
    private static string[] StagedFolders(string output) =>
        Directory.GetDirectories(Path.GetDirectoryName(output)!, Path.GetFileName(output) + ".*");

    private static TrainSettings Settings(string dataset, string label, string text, string output) =>
        new(dataset, label, text, output) { Model = "bert-l4-h128-uncased", Folds = 2, Trainers = "linear", Poolings = "mean" };

    // The first rows of a committed dataset (its rows are shuffled), optionally under another header.
    private string Sample(string dataset, string file, int rows, string? header)
    {
        var lines = File.ReadAllLines(Path.Combine(Datasets, dataset, file));
        return Write($"{dataset}-{file}", string.Join('\n', [header ?? lines[0], .. lines.Skip(1).Take(rows)]) + "\n");
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static Assembly Compile(string code) => CSharpCheck.Compile(code, OutputKind.DynamicallyLinkedLibrary);
}
