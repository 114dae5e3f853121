namespace Bert.MLNet.Trainers;

/// <summary>
/// Dense float features, one row per example, stored row-major in one array. NaN marks a missing value;
/// infinities are refused, because no trainer can learn from them.
/// </summary>
public sealed class FeatureMatrix
{
    private readonly float[] values;

    /// <summary>Wraps <paramref name="values"/> (row-major, <paramref name="rows"/> x <paramref name="columns"/>) without copying.</summary>
    /// <param name="values">The values, row after row.</param>
    /// <param name="rows">Number of examples.</param>
    /// <param name="columns">Features per example.</param>
    /// <param name="names">Optional feature names, one per column (default f0, f1, ...).</param>
    public FeatureMatrix(float[] values, int rows, int columns, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if ((long)rows * columns != values.Length)
        {
            throw new ArgumentException($"{values.Length} values do not make {rows} rows of {columns} features.", nameof(values));
        }

        if (names is not null && names.Count != columns)
        {
            throw new ArgumentException($"{names.Count} feature names were given for {columns} features.", nameof(names));
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (float.IsInfinity(values[i]))
            {
                throw new ArgumentException($"Row {i / columns}, feature {i % columns} is {values[i]}; features must be finite numbers or NaN (missing).", nameof(values));
            }
        }

        this.values = values;
        Rows = rows;
        Columns = columns;
        Names = names?.ToArray() ?? Enumerable.Range(0, columns).Select(c => $"f{c}").ToArray();
    }

    /// <summary>Number of examples.</summary>
    public int Rows { get; }

    /// <summary>Features per example.</summary>
    public int Columns { get; }

    /// <summary>Feature names, one per column.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>All values, row after row.</summary>
    public ReadOnlySpan<float> Values => values;

    /// <summary>The features of one example.</summary>
    /// <param name="row">Row index.</param>
    public ReadOnlySpan<float> this[int row] => values.AsSpan(row * Columns, Columns);

    /// <summary>Copies rows from jagged arrays; every row must have the same length.</summary>
    /// <param name="rows">The examples.</param>
    /// <param name="names">Optional feature names.</param>
    public static FeatureMatrix FromRows(IReadOnlyList<float[]> rows, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("There are no rows; at least one example is needed.", nameof(rows));
        }

        var columns = rows[0].Length;
        var values = new float[rows.Count * columns];
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != columns)
            {
                throw new ArgumentException($"Row {r} has {rows[r].Length} features; row 0 has {columns}.", nameof(rows));
            }

            rows[r].CopyTo(values, r * columns);
        }

        return new FeatureMatrix(values, rows.Count, columns, names);
    }

    /// <summary>A new matrix with the chosen rows, in the order given.</summary>
    /// <param name="rows">Row indices.</param>
    public FeatureMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var selected = new float[rows.Length * Columns];
        for (var i = 0; i < rows.Length; i++)
        {
            this[rows[i]].CopyTo(selected.AsSpan(i * Columns, Columns));
        }

        return new FeatureMatrix(selected, rows.Length, Columns, Names);
    }
}
