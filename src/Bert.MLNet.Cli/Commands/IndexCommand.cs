using System.CommandLine;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Options;
using Bert.MLNet.Similarity;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet index</c>: embeds each line of a text file into a search index file for <c>search</c>.</summary>
internal static class IndexCommand
{
    internal static Command Create()
    {
        var model = ModelOption.Create();
        var input = new Option<string>("--input") { Description = "UTF-8 text file, one text per line.", Required = true };
        var output = new Option<string>("--output") { Description = "The index file to write.", Required = true };
        var layers = new Option<string>("--layers") { Description = "Hidden states, combined by concatenation: -1, -4..-1, all.", DefaultValueFactory = _ => "-1" };
        var pooling = new Option<string?>("--pooling") { Description = "cls, mean, max, mean-sqrt-len or first-last-avg. Default: the model's (all-MiniLM-L6-v2: mean; snowflake-arctic-embed-xs: cls)." };
        var precision = PrecisionOption.Create();
        var storage = new Option<string>("--storage") { Description = "float32 (exact) or int8 (a quarter of the memory, scores within 1%).", DefaultValueFactory = _ => "float32" };
        var command = new Command("index", "Embed each line of a text file into an index that 'search' finds the most similar lines in (cosine).")
        {
            model, input, output, layers, pooling, precision, storage,
        };
        command.SetAction((result, cancellation) => CommandErrors.Run(() => Run(result.GetValue(model)!, result.GetValue(input)!, result.GetValue(output)!,
            result.GetValue(layers)!, result.GetValue(pooling), result.GetValue(storage)!, result.GetValue(precision)!, cancellation)));
        return command;
    }

    internal static int Run(string modelPath, string inputPath, string outputPath, string layers, string? pooling, string storage, string precision,
        CancellationToken cancellation)
    {
        using var output = OutputFile.Create(outputPath, "--output", inputPath, modelPath);
        var arithmetic = PrecisionOption.Parse(precision);
        var store = EmbedCommand.Choice(storage, "--storage", ("float32", VectorStorage.Float32), ("int8", VectorStorage.Int8));
        if (pooling is not null)
        {
            PerTokenOutput.Refuse(EmbedCommand.ParsePooling(pooling), "--pooling none", "an index (one vector per line)", "choose a pooling");
        }

        var texts = TextLines.Read(inputPath).ToArray();
        using var model = BertModel.Load(modelPath);
        // A known name is stored as the name, so the index finds its model on any machine; a path as a full path.
        var stored = model.Files.Pretrained?.Name ?? Path.GetFullPath(modelPath);
        var file = new SearchIndexFile(stored, layers, pooling ?? Featurization.FeaturizationSweep.PoolingName(model.Conventions.Pooling), store, 0, texts)
        {
            Precision = arithmetic,
        };
        var progress = new EmbedCommand.ConsoleProgress(System.Diagnostics.Stopwatch.StartNew());
        var result = model.Embed(file.Texts, file.Options, progress, cancellation);
        progress.Line.Finish();
        (file with { Dimension = result.Dimension }).Write(output.Stream, result.Data);
        cancellation.ThrowIfCancellationRequested();
        output.Commit();
        Console.Error.WriteLine($"{outputPath}: {result.Count} lines, {result.Dimension} dimensions, {store}, {PrecisionOption.Name(arithmetic)}");
        return 0;
    }
}
