using System.Globalization;
using System.Text;
using Bert.MLNet.Cli.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// A labelled dataset file, read whole and checked once by the same rules for <c>train</c>, <c>evaluate</c>,
/// <c>predict</c> and <c>embed --column</c>:
/// <list type="bullet">
/// <item>The extension chooses the separator: <c>.tsv</c>/<c>.tab</c> tab, with no quoting (texts may hold quotes);
/// <c>.csv</c> comma, with RFC 4180 quoting (a quoted field may hold commas, line breaks and doubled quotes).</item>
/// <item>Lines are read as <see cref="TextLines"/> reads them: valid UTF-8 with no NUL byte, a byte order mark skipped,
/// CRLF or LF.</item>
/// <item>The first line is a header naming each column once; every later row has exactly as many fields. Empty lines
/// are skipped; line numbers in messages count every line of the file.</item>
/// </list>
/// Errors name the file, the line and, where there is one, the column.
/// </summary>
internal sealed class DatasetFile
{
    private readonly List<string[]> rows;
    private readonly int[] lines;

    private DatasetFile(string path, char separator, List<string> columns, List<string[]> rows, int[] lines)
    {
        Path = path;
        Separator = separator;
        Columns = columns;
        this.rows = rows;
        this.lines = lines;
    }

    /// <summary>The file.</summary>
    internal string Path { get; }

    /// <summary>Tab or comma.</summary>
    internal char Separator { get; }

    /// <summary>The header's column names, in order.</summary>
    internal List<string> Columns { get; }

    /// <summary>The rows after the header (records: a quoted CSV field spanning lines is one row).</summary>
    internal int Rows => rows.Count;

    /// <summary>Reads and checks the whole file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file breaks one of the rules above, or has no rows.</exception>
    /// <exception cref="ArgumentException">The file is neither .tsv nor .csv.</exception>
    internal static DatasetFile Open(string path)
    {
        var separator = System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".tsv" or ".tab" => '\t',
            ".csv" => ',',
            _ => throw new ArgumentException($"Dataset '{path}': expected a .tsv or .csv file (the extension chooses the separator)."),
        };
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"Dataset '{path}' is a folder; expected a .tsv or .csv file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Dataset '{path}' does not exist.", path);
        }

        var records = new RecordReader(path, separator);
        List<string>? header = null;
        var rows = new List<string[]>();
        var lines = new List<int>();
        foreach (var (fields, line) in records.Read(TextLines.Read(path)))
        {
            if (header is null)
            {
                header = fields;
                CheckHeader(path, header, line);
                continue;
            }

            if (fields.Count != header.Count)
            {
                var hint = fields.Count < header.Count ? "each row has a field for every column, empty or not"
                    : separator == '\t' ? "TSV has no quoting, so a text cannot hold a tab: remove it, or write the file as a quoted CSV"
                    : "a text holding a comma must be quoted";
                throw new InvalidDataException(
                    $"Dataset '{path}' line {line}: {fields.Count} {(fields.Count == 1 ? "field" : "fields")} where the header has {header.Count} columns ({hint}).");
            }

            rows.Add([.. fields]);
            lines.Add(line);
        }

        if (header is null)
        {
            throw new InvalidDataException($"Dataset '{path}' is empty; expected a header line naming the columns, then one example per line.");
        }

        if (rows.Count == 0)
        {
            throw new InvalidDataException($"Dataset '{path}' has a header but no rows.");
        }

        return new DatasetFile(path, separator, header, rows, [.. lines]);
    }

    /// <summary>Throws, listing the columns there are, unless the header names <paramref name="column"/>.</summary>
    internal void Require(string column, string option)
    {
        if (!Columns.Contains(column))
        {
            throw new ArgumentException(
                $"Dataset '{Path}' has no column '{column}' ({option}); its columns are: {string.Join(", ", Columns.Select(c => $"'{c}'"))}.");
        }
    }

    /// <summary>The file line a row starts on (the header is on line 1, or later after empty lines).</summary>
    internal int Line(int row) => lines[row];

    /// <summary>
    /// The rows as an ML.NET data view. <paramref name="columns"/> gives, for each column, the header column it reads
    /// (null: a column the file lacks, which is empty text or NaN) and its kind: text, or a Single parsed from the text
    /// (NaN where it is not a number; a label is checked by <see cref="Numbers"/> first).
    /// </summary>
    internal IDataView Load(IEnumerable<(string Name, string? Source, DataKind Kind)> columns) =>
        new DatasetView(Rows, [.. columns.Select(c =>
        {
            var values = c.Source is null ? null : Texts(c.Source);
            return c.Kind == DataKind.Single
                ? DatasetView.Column.OfNumbers(c.Name, values?.Select(v => TryNumber(v, out var n) ? n : float.NaN).ToArray() ?? Nans(Rows))
                : DatasetView.Column.OfTexts(c.Name, values ?? Enumerable.Repeat(string.Empty, Rows).ToArray());
        })]);

    /// <summary>The values of one column, in row order.</summary>
    internal string[] Texts(string column)
    {
        var index = IndexOf(column);
        return [.. rows.Select(r => r[index])];
    }

    /// <summary>The values of one column, checked to be non-empty in every row.</summary>
    internal string[] Labels(string column)
    {
        var values = Texts(column);
        var empty = Array.FindIndex(values, v => v.Trim().Length == 0);
        if (empty >= 0)
        {
            throw new InvalidDataException($"Dataset '{Path}' line {Line(empty)}: the label column '{column}' is empty; every row needs a label.");
        }

        return values;
    }

    /// <summary>The label values as numbers, for a regression.</summary>
    internal float[] Numbers(string[] labels, string column)
    {
        var numbers = new float[labels.Length];
        for (var row = 0; row < labels.Length; row++)
        {
            if (!TryNumber(labels[row], out numbers[row]))
            {
                throw new InvalidDataException(
                    $"Dataset '{Path}' line {Line(row)}: the label '{labels[row]}' in column '{column}' {WhyNotNumber(labels[row])}; a regression needs a finite number in every row.");
            }
        }

        return numbers;
    }

    /// <summary>A finite number in a 32-bit float, read with the invariant culture: what a regression label must be.</summary>
    internal static bool TryNumber(string text, out float value)
    {
        var ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var wide)
            && double.IsFinite(wide) && Math.Abs(wide) <= float.MaxValue;
        value = ok ? (float)wide : float.NaN;
        return ok;
    }

    /// <summary>Why <paramref name="text"/> fails <see cref="TryNumber"/>, to end a sentence about it.</summary>
    internal static string WhyNotNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var wide)
            ? double.IsFinite(wide) ? "is beyond the range of a 32-bit float (±3.4e38)" : "is not a finite number"
            : "is not a number";

    private int IndexOf(string column)
    {
        var index = Columns.IndexOf(column);
        return index >= 0 ? index : throw new ArgumentException($"Dataset '{Path}' has no column '{column}'.");
    }

    private static float[] Nans(int count)
    {
        var values = new float[count];
        Array.Fill(values, float.NaN);
        return values;
    }

    private static void CheckHeader(string path, List<string> header, int line)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i].Trim().Length == 0)
            {
                throw new InvalidDataException($"Dataset '{path}' line {line}: column {i + 1} of the header has no name.");
            }

            if (header.IndexOf(header[i]) != i)
            {
                throw new InvalidDataException($"Dataset '{path}' line {line}: the header names column '{header[i]}' twice.");
            }
        }
    }

    /// <summary>Splits lines into records of fields: tab-separated as they are, or comma-separated with quoting.</summary>
    private sealed class RecordReader(string path, char separator)
    {
        internal IEnumerable<(List<string> Fields, int Line)> Read(IEnumerable<string> fileLines)
        {
            var fields = new List<string>();
            var field = new StringBuilder();
            var quoted = false;
            var closed = false;
            var start = 0;
            var line = 0;
            foreach (var text in fileLines)
            {
                line++;
                if (!quoted)
                {
                    if (text.Length == 0)
                    {
                        continue;
                    }

                    start = line;
                    if (separator == '\t')
                    {
                        yield return ([.. text.Split('\t')], line);
                        continue;
                    }
                }
                else
                {
                    field.Append('\n');
                }

                for (var i = 0; i < text.Length; i++)
                {
                    var c = text[i];
                    if (quoted)
                    {
                        if (c != '"')
                        {
                            field.Append(c);
                        }
                        else if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i++;
                        }
                        else
                        {
                            quoted = false;
                            closed = true;
                        }
                    }
                    else if (c == separator)
                    {
                        fields.Add(field.ToString());
                        field.Clear();
                        closed = false;
                    }
                    else if (closed)
                    {
                        throw new InvalidDataException(
                            $"Dataset '{path}' line {line}: column {fields.Count + 1} has text after its closing quote; inside a quoted field a quote is written twice (\"\").");
                    }
                    else if (c == '"' && field.Length == 0)
                    {
                        quoted = true;
                    }
                    else
                    {
                        field.Append(c);
                    }
                }

                if (!quoted)
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    closed = false;
                    yield return (fields, start);
                    fields = [];
                }
            }

            if (quoted)
            {
                throw new InvalidDataException($"Dataset '{path}' line {start}: column {fields.Count + 1} opens a quoted field that is never closed.");
            }
        }
    }
}
