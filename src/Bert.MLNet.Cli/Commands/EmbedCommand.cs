using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Cluster;
using Bert.MLNet.Options;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet embed</c>: one embedding per input row, to .npy, JSON Lines, TSV or Parquet; or, with <c>--redis</c>, on a cluster.</summary>
internal static class EmbedCommand
{
    internal static Command Create()
    {
        var model = ModelOption.Create();
        var input = new Option<string>("--input") { Description = "UTF-8 text file, one text per line; or a .tsv or .csv file whose --column holds the texts.", Required = true };
        var column = new Option<string?>("--column") { Description = "The text column of a .tsv or .csv --input (its header line names the columns)." };
        var output = new Option<string>("--output")
        {
            Description = "Output file: .npy (float32), .jsonl, .tsv (header; loads in ML.NET's TextLoader as a vector column) or .parquet (row, embedding, token_count, truncated, windows). With --redis: a folder of Parquet parts.",
            Required = true,
        };
        var layers = new Option<string>("--layers") { Description = "Hidden states: all, -1, -4..-1, 0,2,4 (0 = embeddings, negatives from the end).", DefaultValueFactory = _ => "-1" };
        var pooling = new Option<string?>("--pooling") { Description = "cls, mean, max, mean-sqrt-len, first-last-avg or none (per-token vectors, JSONL only). Default: the model's (all-MiniLM-L6-v2: mean; snowflake-arctic-embed-xs: cls)." };
        var combine = new Option<string>("--combine") { Description = "How several layers combine: concat, mean or separate.", DefaultValueFactory = _ => "concat" };
        var normalize = new Option<bool?>("--normalize") { Description = "Scale each vector to unit length: --normalize, --normalize false. Default: the model's (true for all-MiniLM-L6-v2 and snowflake-arctic-embed-xs).", Arity = System.CommandLine.ArgumentArity.ZeroOrOne };
        var batchSize = new Option<int>("--batch-size") { Description = "Most texts per model run.", DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest encoding in tokens (default: the model's, 256 for all-MiniLM-L6-v2)." };
        var longText = new Option<string>("--long-text") { Description = "truncate (report it) or window (overlapping windows pooled into one vector).", DefaultValueFactory = _ => "truncate" };
        var stride = new Option<int>("--stride") { Description = "Tokens each window repeats from the one before.", DefaultValueFactory = _ => 128 };
        var precision = PrecisionOption.Create();
        var threads = ThreadsOption.Create();
        var redis = RedisOption.Create("Run on the cluster whose membership is in this Redis (HOST:PORT; see 'bert-mlnet silo') and wait for it. --model and --precision default to what the silos serve.");
        var shardRows = new Option<int>("--shard-rows") { Description = "Rows per shard of a --redis job: the unit a silo embeds, writes as one part and redoes if it dies.", DefaultValueFactory = _ => 10_000 };
        var command = new Command("embed", "Embed each line of a text file (or a column of a TSV/CSV) with a BERT model: chosen layers, pooling and combination; in this process, or on a cluster with --redis.")
        {
            model, input, column, output, layers, pooling, combine, normalize, batchSize, maxLength, longText, stride, precision, threads, redis, shardRows,
        };
        command.SetAction((result, cancellation) => CommandErrors.RunAsync(() =>
        {
            var options = new EmbeddingOptions
            {
                Layers = LayerSelection.Parse(result.GetValue(layers)!),
                Combine = ParseCombine(result.GetValue(combine)!),
                BatchSize = result.GetValue(batchSize),
                MaxLength = result.GetValue(maxLength),
                LongText = Choice(result.GetValue(longText)!, "--long-text", ("truncate", LongTextHandling.Truncate), ("window", LongTextHandling.Window)),
                Stride = result.GetValue(stride),
                Precision = PrecisionOption.Parse(result.GetValue(precision)!),
            };
            var conventions = new ConventionChoices(result.GetValue(pooling) is { } p ? ParsePooling(p) : null, NormalizeChoice(result, normalize));
            var texts = new InputTexts(result.GetValue(input)!, result.GetValue(column));
            if (result.GetValue(redis) is { } cluster)
            {
                if (Given(result, threads))
                {
                    throw new ArgumentException("--threads is not for embed --redis: the silos run the model, each with its own 'bert-mlnet silo --threads'.");
                }

                var job = new ClusterEmbed(cluster, Given(result, model) ? result.GetValue(model) : null, Given(result, precision), result.GetValue(shardRows));
                return ClusterEmbed.RunAsync(job, texts, result.GetValue(output)!, options, conventions, cancellation);
            }

            if (Given(result, shardRows))
            {
                throw new ArgumentException("--shard-rows splits a cluster job: it needs --redis.");
            }

            return Task.FromResult(Run(result.GetValue(model)!, texts, result.GetValue(output)!, m => conventions.Apply(options, m.Conventions), result.GetValue(threads), cancellation));
        }));
        return command;
    }

    internal static int Run(string modelPath, string inputPath, string outputPath, EmbeddingOptions options, int threads, CancellationToken cancellation) =>
        Run(modelPath, new InputTexts(inputPath, null), outputPath, _ => options, threads, cancellation);

    /// <summary>True when the command line gives <paramref name="option"/>, not its default.</summary>
    internal static bool Given(System.CommandLine.ParseResult result, System.CommandLine.Option option) => result.GetResult(option) is { Implicit: false };

    // The options come from the loaded model: what the command line leaves open, the model's conventions decide.
    private static int Run(string modelPath, InputTexts input, string outputPath, Func<BertModel, EmbeddingOptions> choose, int threads,
        CancellationToken cancellation)
    {
        var format = Path.GetExtension(outputPath).ToLowerInvariant();
        if (format is not (".npy" or ".jsonl" or ".tsv" or ".parquet"))
        {
            throw new ArgumentException($"--output '{outputPath}' must end in .npy, .jsonl, .tsv or .parquet (a folder of Parquet parts needs --redis).");
        }

        using var output = OutputFile.Create(outputPath, "--output", input.Path, modelPath);
        var texts = input.Read();
        using var model = BertModel.Load(modelPath, new RuntimeOptions { IntraOpThreads = ThreadsOption.Check(threads) });
        var options = choose(model);
        if (format != ".jsonl")
        {
            PerTokenOutput.Refuse(options.Pooling, "--pooling none", $"a {format} file", "use an --output ending in .jsonl");
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ConsoleProgress(started);
        var result = model.Embed(texts, options, progress, cancellation);
        progress.Line.Finish();
        switch (format)
        {
            case ".npy":
                NpyWriter.Write(output.Stream, result.Data, [result.Count, .. result.Shape]);
                break;
            case ".tsv":
                WriteTsv(output.Stream, result);
                break;
            case ".parquet":
                EmbeddingParquet.WriteAsync(output.Stream, result, firstRow: 0, new Dictionary<string, string> { [EmbeddingParquet.ModelKey] = model.Name }, cancellation)
                    .GetAwaiter().GetResult();
                break;
            default:
                WriteJsonLines(output.Stream, result, model, texts, options);
                break;
        }

        cancellation.ThrowIfCancellationRequested();
        output.Commit();

        var truncated = result.Truncated.Count(t => t);
        Console.Error.WriteLine(
            $"embedded {result.Count} {input.Rows} into {outputPath}: [{string.Join(", ", result.Shape.Select(d => d < 0 ? "tokens" : d.ToString(CultureInfo.InvariantCulture)))}] per row" +
            (truncated > 0 ? $"; {truncated} truncated (use --long-text window to keep every token)" : string.Empty) +
            $" in {started.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static void WriteTsv(Stream stream, EmbeddingResult result)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine(string.Join('\t', Enumerable.Range(0, result.Dimension).Select(i => $"f{i}")));
        var line = new StringBuilder();
        for (var row = 0; row < result.Count; row++)
        {
            line.Clear();
            foreach (var value in result[row])
            {
                line.Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\t');
            }

            line.Length--;
            writer.WriteLine(line);
        }
    }

    private static void WriteJsonLines(Stream stream, EmbeddingResult result, BertModel model, string[] texts, EmbeddingOptions options)
    {
        using var json = new Utf8JsonWriter(stream);
        for (var row = 0; row < result.Count; row++)
        {
            json.WriteStartObject();
            json.WriteNumber("token_count", result.TokenCounts[row]);
            json.WriteBoolean("truncated", result.Truncated[row]);
            json.WriteNumber("windows", result.WindowCounts[row]);
            if (options.Pooling == Pooling.None)
            {
                json.WriteStartArray("tokens");
                foreach (var token in model.Tokenizer.Encode(texts[row], options.MaxLength ?? model.DefaultMaxLength).Tokens)
                {
                    json.WriteStringValue(token);
                }

                json.WriteEndArray();
                json.WriteStartArray("vectors");
                var width = result.Shape[^1];
                var vectors = result[row];
                for (var t = 0; t < result.TokenVectorCount(row); t++)
                {
                    WriteFloats(json, vectors.Slice(t * width, width));
                }

                json.WriteEndArray();
            }
            else
            {
                json.WritePropertyName("embedding");
                WriteFloats(json, result[row]);
            }

            json.WriteEndObject();
            json.Flush();
            json.Reset();
            stream.WriteByte((byte)'\n');
        }
    }

    private static void WriteFloats(Utf8JsonWriter json, ReadOnlySpan<float> values)
    {
        json.WriteStartArray();
        foreach (var value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    /// <summary>The value of a <c>--normalize</c> flag: true when given bare, its argument otherwise, null when absent.</summary>
    internal static bool? NormalizeChoice(System.CommandLine.ParseResult result, System.CommandLine.Option<bool?> option) =>
        result.GetResult(option) is null ? null : result.GetValue(option) ?? true;

    internal static Pooling ParsePooling(string text, string option = "--pooling") => Choice(text, option,
        ("cls", Pooling.Cls), ("mean", Pooling.Mean), ("max", Pooling.Max), ("mean-sqrt-len", Pooling.MeanSqrtLen),
        ("first-last-avg", Pooling.FirstLastAverage), ("none", Pooling.None));

    internal static LayerCombination ParseCombine(string text, string option = "--combine") => Choice(text, option,
        ("concat", LayerCombination.Concat), ("mean", LayerCombination.Mean), ("separate", LayerCombination.Separate));

    internal static T Choice<T>(string text, string option, params (string Name, T Value)[] choices) =>
        choices.FirstOrDefault(c => c.Name.Equals(text, StringComparison.OrdinalIgnoreCase)) is { Name: not null } match
            ? match.Value
            : throw new ArgumentException($"{option} '{text}' is not one of {string.Join(", ", choices.Select(c => c.Name))}.");

    /// <summary>The pooling and normalization given on the command line; what is not given comes from the model's conventions.</summary>
    internal sealed record ConventionChoices(Pooling? Pooling, bool? Normalize)
    {
        internal EmbeddingOptions Apply(EmbeddingOptions options, ModelConventions conventions) => options with
        {
            Pooling = Pooling ?? conventions.Pooling,
            Normalize = Normalize ?? conventions.Normalize,
        };
    }

    /// <summary>Embedding progress as a <see cref="ProgressLine"/>.</summary>
    internal sealed class ConsoleProgress(System.Diagnostics.Stopwatch clock) : IProgress<EmbeddingProgress>
    {
        public ProgressLine Line { get; } = new(clock);

        public void Report(EmbeddingProgress value) => Line.Show(
            $"embedding: {value.Completed}/{value.Total} encodings, {value.Tokens:N0} tokens, {clock.Elapsed.TotalSeconds:F1} s",
            value.Completed == value.Total);
    }
}
