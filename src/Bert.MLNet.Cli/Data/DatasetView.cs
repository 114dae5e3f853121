using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// A dataset's rows held in memory as an ML.NET data view: text columns and Single columns, one value per row.
/// <see cref="DatasetFile"/> reads and checks the file; this only serves what it read.
/// </summary>
internal sealed class DatasetView : IDataView
{
    private readonly Column[] columns;
    private readonly int rows;

    internal DatasetView(int rows, Column[] columns)
    {
        this.rows = rows;
        this.columns = columns;
        var schema = new DataViewSchema.Builder();
        foreach (var column in columns)
        {
            schema.AddColumn(column.Name, column.Numbers is null ? TextDataViewType.Instance : NumberDataViewType.Single);
        }

        Schema = schema.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>One column: its values as text, or as numbers.</summary>
    internal sealed record Column(string Name, ReadOnlyMemory<char>[]? Text, float[]? Numbers)
    {
        internal static Column OfTexts(string name, string[] values) => new(name, [.. values.Select(v => v.AsMemory())], null);

        internal static Column OfNumbers(string name, float[] values) => new(name, null, values);
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DatasetView view;
        private readonly bool[] active;
        private long position = -1;

        internal Cursor(DatasetView view, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            this.view = view;
            active = new bool[view.columns.Length];
            foreach (var column in columnsNeeded)
            {
                active[column.Index] = true;
            }
        }

        public override long Position => position;

        public override long Batch => 0;

        public override DataViewSchema Schema => view.Schema;

        public override bool MoveNext()
        {
            if (position + 1 < view.rows)
            {
                position++;
                return true;
            }

            position = view.rows;
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active[column.Index])
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was made.");
            }

            var values = view.columns[column.Index];
            Delegate getter = values.Numbers is { } numbers && typeof(TValue) == typeof(float)
                ? (ValueGetter<float>)((ref float value) => value = numbers[position])
                : values.Text is { } text && typeof(TValue) == typeof(ReadOnlyMemory<char>)
                    ? (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = text[position])
                    : throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
            return (ValueGetter<TValue>)getter;
        }
    }
}
