using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// A labelled dataset file: TSV (tab-separated, no quoting, so texts may hold quotes) or CSV (comma-separated, quoted
/// fields), UTF-8, a header line naming the columns. Loaded with ML.NET's <c>TextLoader</c>: every column as text,
/// except a regression label, which is a Single. Errors name the file, the line and the column.
/// </summary>
internal sealed class DatasetFile
{
    private DatasetFile(string path, char separator, IReadOnlyList<string> columns, int rows)
    {
        Path = path;
        Separator = separator;
        Columns = columns;
        Rows = rows;
    }

    /// <summary>The file.</summary>
    internal string Path { get; }

    /// <summary>Tab or comma.</summary>
    internal char Separator { get; }

    /// <summary>The header's column names, in order.</summary>
    internal IReadOnlyList<string> Columns { get; }

    /// <summary>Data lines after the header.</summary>
    internal int Rows { get; }

    /// <summary>Reads the header and counts the rows.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, has no rows, or its header repeats or omits a name.</exception>
    /// <exception cref="ArgumentException">The file is neither .tsv nor .csv.</exception>
    internal static DatasetFile Open(string path)
    {
        var separator = System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".tsv" or ".tab" => '\t',
            ".csv" => ',',
            _ => throw new ArgumentException($"Dataset '{path}': expected a .tsv or .csv file (the extension chooses the separator)."),
        };
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Dataset '{path}' does not exist.", path);
        }

        using var reader = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        var header = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new InvalidDataException($"Dataset '{path}' is empty; expected a header line naming the columns, then one example per line.");
        }

        var columns = SplitHeader(header.TrimEnd('\r'), separator);
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i].Length == 0)
            {
                throw new InvalidDataException($"Dataset '{path}' line 1: column {i + 1} of the header has no name.");
            }

            if (columns.IndexOf(columns[i]) != i)
            {
                throw new InvalidDataException($"Dataset '{path}' line 1: the header names column '{columns[i]}' twice.");
            }
        }

        var rows = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Trim('\r').Length > 0)
            {
                rows++;
            }
        }

        if (rows == 0)
        {
            throw new InvalidDataException($"Dataset '{path}' has a header but no rows.");
        }

        return new DatasetFile(path, separator, columns, rows);
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

    /// <summary>
    /// Loads the file with ML.NET's TextLoader. <paramref name="columns"/> gives, for each column to load, the header
    /// column it reads (null: a column the file lacks, which loads as empty or NaN) and its kind.
    /// </summary>
    internal IDataView Load(MLContext ml, IEnumerable<(string Name, string? Source, DataKind Kind)> columns) =>
        ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Separators = [Separator],
            HasHeader = true,
            AllowQuoting = Separator == ',',
            ReadMultilines = Separator == ',',
            TrimWhitespace = false,
            Columns = [.. columns.Select(c => new TextLoader.Column(c.Name, c.Kind, c.Source is null ? Columns.Count : Columns.ToList().IndexOf(c.Source)))],
        }).Load(Path);

    /// <summary>Loads every column of the header as text.</summary>
    internal IDataView LoadAsText(MLContext ml) => Load(ml, Columns.Select(c => (c, (string?)c, DataKind.String)));

    /// <summary>The values of one column as text, in row order.</summary>
    internal string[] Texts(MLContext ml, string column) =>
        Load(ml, [(column, column, DataKind.String)]).GetColumn<string>(column).Select(v => v ?? string.Empty).ToArray();

    /// <summary>The values of one column as text, checked to be non-empty in every row.</summary>
    internal string[] Labels(MLContext ml, string column)
    {
        var values = Texts(ml, column);
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
            if (!float.TryParse(labels[row], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[row]) || !float.IsFinite(numbers[row]))
            {
                throw new InvalidDataException(
                    $"Dataset '{Path}' line {Line(row)}: the label '{labels[row]}' in column '{column}' is not a number; a regression needs a number in every row.");
            }
        }

        return numbers;
    }

    /// <summary>The file line of a row (the header is line 1), exact unless quoted CSV fields span lines.</summary>
    internal static int Line(int row) => row + 2;

    private static List<string> SplitHeader(string header, char separator)
    {
        if (separator == '\t')
        {
            return [.. header.Split('\t')];
        }

        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < header.Length; i++)
        {
            var c = header[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < header.Length && header[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
