using System.CommandLine;
using System.Globalization;
using System.Text;
using Bert.MLNet.Cli.IO;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet search</c>: the lines of an index most similar to each query (cosine), as TSV.</summary>
internal static class SearchCommand
{
    internal static Command Create()
    {
        var index = new Option<string>("--index") { Description = "An index file written by 'bert-mlnet index'.", Required = true };
        var query = new Option<string?>("--query") { Description = "One query text." };
        var queries = new Option<string?>("--queries") { Description = "A UTF-8 file of queries, one per line." };
        var k = new Option<int>("-k", "--top") { Description = "How many results per query.", DefaultValueFactory = _ => 10 };
        var output = new Option<string?>("--output") { Description = "Write the TSV here instead of to standard output." };
        var command = new Command("search", "Find the lines of an index most similar to a query. TSV columns: query, rank, score, line, text.")
        {
            index, query, queries, k, output,
        };
        command.SetAction((result, cancellation) => CommandErrors.Run(() =>
        {
            if (result.GetValue(output) is not { } path)
            {
                return Run(result.GetValue(index)!, result.GetValue(query), result.GetValue(queries), result.GetValue(k), Console.Out, cancellation);
            }

            using var file = OutputFile.Create(path, "--output", result.GetValue(index), result.GetValue(queries));
            int exit;
            using (var writer = new StreamWriter(file.Stream, new UTF8Encoding(false), leaveOpen: true))
            {
                exit = Run(result.GetValue(index)!, result.GetValue(query), result.GetValue(queries), result.GetValue(k), writer, cancellation);
            }

            file.Commit();
            return exit;
        }));
        return command;
    }

    internal static int Run(string indexPath, string? query, string? queriesPath, int k, TextWriter output, CancellationToken cancellation)
    {
        if ((query is null) == (queriesPath is null))
        {
            throw new ArgumentException("Give exactly one of --query TEXT and --queries FILE.");
        }

        if (k < 1)
        {
            throw new ArgumentException($"-k is {k}; expected 1 or more.");
        }

        var queryTexts = query is not null ? [query] : TextLines.Read(queriesPath!).ToArray();
        var (file, index) = SearchIndexFile.Read(indexPath);
        using var model = BertModel.Load(file.Model);
        var embedded = model.EmbedQueries(queryTexts, file.Options, cancellationToken: cancellation);
        if (embedded.Dimension != index.Dimension)
        {
            throw new InvalidDataException($"{indexPath}: the index holds {index.Dimension}-dimensional vectors but {file.Model} now gives {embedded.Dimension}; rebuild the index.");
        }

        var hits = index.SearchBatch(embedded.Data.ToArray(), k);
        output.WriteLine("query\trank\tscore\tline\ttext");
        for (var q = 0; q < hits.Length; q++)
        {
            for (var rank = 0; rank < hits[q].Length; rank++)
            {
                var hit = hits[q][rank];
                output.WriteLine(string.Join('\t', OneLine(queryTexts[q]), rank + 1, hit.Score.ToString("F4", CultureInfo.InvariantCulture),
                    hit.Index + 1, OneLine(file.Texts[hit.Index])));
            }
        }

        return 0;
    }

    private static string OneLine(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
