using System.Globalization;
using System.Text;

namespace Bert.MLNet.Trainers;

/// <summary>
/// A CSV or TSV file with a header row, read whole: cells as text, converted on request to features or labels.
/// Fields may be quoted ("a, b", "say ""hi""", line breaks inside quotes). Errors name the file, the line and the column.
/// </summary>
public sealed class DelimitedTable
{
    private readonly string[] columns;
    private readonly List<Row> rows;
    private readonly List<int> lines;

    private DelimitedTable(string source, string[] columns, List<Row> rows, List<int> lines)
    {
        Source = source;
        this.columns = columns;
        this.rows = rows;
        this.lines = lines;
    }

    /// <summary>Where the table came from, for messages.</summary>
    public string Source { get; }

    /// <summary>Column names from the header.</summary>
    public IReadOnlyList<string> Columns => columns;

    /// <summary>Data rows (the header excluded).</summary>
    public int RowCount => rows.Count;

    /// <summary>The text of one cell.</summary>
    /// <param name="row">Data row (0 is the first row after the header).</param>
    /// <param name="column">Column index.</param>
    public string this[int row, int column] => rows[row].Cell(column).ToString();

    /// <summary>Reads a file; the separator is a tab for .tsv and .tab, a comma for .csv, else whichever of the two the header holds.</summary>
    /// <param name="path">The file (UTF-8).</param>
    /// <param name="separator">Overrides the separator.</param>
    public static DelimitedTable Read(string path, char? separator = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The data file '{path}' does not exist.", path);
        }

        return Parse(File.ReadAllText(path, Encoding.UTF8), path, separator ?? Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".tsv" or ".tab" => '\t',
            ".csv" => ',',
            _ => null,
        });
    }

    /// <summary>Parses the text of a table.</summary>
    /// <param name="text">The whole table.</param>
    /// <param name="source">A name for messages.</param>
    /// <param name="separator">The separator; null guesses from the header (tab when it has one, else comma).</param>
    public static DelimitedTable Parse(string text, string source, char? separator)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[]? header = null;
        var rows = new List<Row>();
        var lines = new List<int>();
        var position = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var line = 0;
        while (position < text.Length)
        {
            var startLine = line + 1;
            var row = NextRecord(text, ref position, ref line, ref separator, source);
            if (row.Bounds.Length == 2 && row.Bounds[0] == row.Bounds[1])
            {
                continue; // a blank line
            }

            if (header is null)
            {
                header = Enumerable.Range(0, row.Count).Select(c => row.Cell(c).Trim().ToString()).ToArray();
                var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
                if (duplicate is not null)
                {
                    throw new InvalidDataException($"{source}: the header names the column '{duplicate.Key}' twice.");
                }

                continue;
            }

            if (row.Count != header.Length)
            {
                throw new InvalidDataException(
                    $"{source}, line {startLine}: {row.Count} fields where the header has {header.Length} ({Describe(separator!.Value)}-separated).");
            }

            rows.Add(row);
            lines.Add(startLine);
        }

        if (header is null)
        {
            throw new InvalidDataException($"{source} is empty; expected a header row naming the columns, then one row per example.");
        }

        return new DelimitedTable(source, header, rows, lines);
    }

    /// <summary>The index of a column; the error lists the columns there are.</summary>
    /// <param name="name">Column name (exact).</param>
    public int ColumnIndex(string name)
    {
        var index = Array.IndexOf(columns, name);
        return index >= 0
            ? index
            : throw new ArgumentException($"{Source} has no column '{name}'; its columns are {string.Join(", ", columns.Select(c => $"'{c}'"))}.", nameof(name));
    }

    /// <summary>The file line a data row starts on (the header is line 1).</summary>
    /// <param name="row">Data row.</param>
    public int LineOf(int row) => lines[row];

    /// <summary>The named columns as float features. Empty cells, NaN and NA are missing values (NaN).</summary>
    /// <param name="names">The feature columns, in order.</param>
    public FeatureMatrix Features(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (rows.Count == 0)
        {
            throw new InvalidDataException($"{Source} has a header but no rows.");
        }

        var indices = names.Select(ColumnIndex).ToArray();
        var values = new float[rows.Count * indices.Length];
        var firstError = (Row: int.MaxValue, Error: (FormatException?)null);
        RowBlocks.For(rows.Count, 1024, 0, (start, end) =>
        {
            for (var r = start; r < end; r++)
            {
                for (var j = 0; j < indices.Length; j++)
                {
                    if (!TryParseNumber(rows[r].Cell(indices[j]), out values[(r * indices.Length) + j]))
                    {
                        lock (values)
                        {
                            if (r < firstError.Row)
                            {
                                firstError = (r, NotANumber(r, indices[j]));
                            }
                        }

                        return;
                    }
                }
            }
        });
        if (firstError.Error is not null)
        {
            throw firstError.Error;
        }

        return new FeatureMatrix(values, rows.Count, indices.Length, names);
    }

    /// <summary>The text of every cell of a column.</summary>
    /// <param name="name">Column name.</param>
    public string[] Text(string name)
    {
        var index = ColumnIndex(name);
        return rows.Select(r => r.Cell(index).ToString()).ToArray();
    }

    /// <summary>Parses one cell as a float: empty, NaN or NA give NaN; anything else must be a finite number.</summary>
    /// <param name="row">Data row.</param>
    /// <param name="column">Column index.</param>
    public float ParseNumber(int row, int column) =>
        TryParseNumber(rows[row].Cell(column), out var value) ? value : throw NotANumber(row, column);

    private static bool TryParseNumber(ReadOnlySpan<char> cell, out float value)
    {
        var text = cell.Trim();
        if (text.IsEmpty || text.Equals("NaN", StringComparison.OrdinalIgnoreCase) || text.Equals("NA", StringComparison.Ordinal))
        {
            value = float.NaN;
            return true;
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);
    }

    private FormatException NotANumber(int row, int column) => new(
        $"{Source}, line {lines[row]}, column '{columns[column]}': '{rows[row].Cell(column)}' is not a finite number; feature columns must be numeric (empty, NaN or NA for a missing value).");

    private static string Describe(char separator) => separator switch
    {
        '\t' => "tab",
        ',' => "comma",
        _ => $"'{separator}'",
    };

    /// <summary>
    /// Reads the record at <paramref name="position"/>. Unquoted records point into the file's text; a record with
    /// quotes gets its own text, quotes removed and doubled quotes undoubled, possibly across line breaks.
    /// </summary>
    private static Row NextRecord(string text, ref int position, ref int line, ref char? separator, string source)
    {
        var end = text.IndexOf('\n', position);
        end = end < 0 ? text.Length : end;
        var lineEnd = end > position && text[end - 1] == '\r' ? end - 1 : end;
        line++;
        var record = text.AsSpan(position, lineEnd - position);
        separator ??= record.Contains('\t') ? '\t' : ',';
        var split = separator.Value;
        if (!record.Contains('"'))
        {
            var bounds = new List<int>(64) { position };
            for (var i = position; ;)
            {
                var next = text.AsSpan(i, lineEnd - i).IndexOf(split);
                if (next < 0)
                {
                    break;
                }

                bounds.Add(i + next);
                bounds.Add(i + next + 1);
                i += next + 1;
            }

            bounds.Add(lineEnd);
            position = end + 1;
            return new Row(text, [.. bounds]);
        }

        var startLine = line;
        var cleaned = new StringBuilder();
        var quotedBounds = new List<int> { 0 };
        var at = position;
        while (true)
        {
            if (at < text.Length && text[at] == '"' && cleaned.Length == quotedBounds[^1])
            {
                at++;
                while (true)
                {
                    if (at >= text.Length)
                    {
                        throw new InvalidDataException($"{source}, line {startLine}: a quoted field is never closed.");
                    }

                    if (text[at] == '"')
                    {
                        if (at + 1 < text.Length && text[at + 1] == '"')
                        {
                            cleaned.Append('"');
                            at += 2;
                            continue;
                        }

                        at++;
                        break;
                    }

                    if (text[at] == '\n')
                    {
                        line++;
                    }

                    cleaned.Append(text[at++]);
                }

                if (at < text.Length && text[at] != split && text[at] != '\n' && !(text[at] == '\r' && at + 1 < text.Length && text[at + 1] == '\n'))
                {
                    throw new InvalidDataException($"{source}, line {line}: text follows a closing quote; quote the whole field and double any quote inside it.");
                }
            }

            while (at < text.Length && text[at] != split && text[at] != '\n')
            {
                cleaned.Append(text[at++]);
            }

            if (cleaned.Length > quotedBounds[^1] && cleaned[^1] == '\r' && (at >= text.Length || text[at] == '\n'))
            {
                cleaned.Length--;
            }

            quotedBounds.Add(cleaned.Length);
            if (at >= text.Length || text[at] == '\n')
            {
                position = at + 1;
                return new Row(cleaned.ToString(), [.. quotedBounds]);
            }

            at++; // the separator
            quotedBounds.Add(cleaned.Length);
        }
    }

    /// <summary>One record: its text and each field's start and end in it.</summary>
    private readonly record struct Row(string Text, int[] Bounds)
    {
        public int Count => Bounds.Length / 2;

        public ReadOnlySpan<char> Cell(int column) => Text.AsSpan(Bounds[2 * column], Bounds[(2 * column) + 1] - Bounds[2 * column]);
    }
}
