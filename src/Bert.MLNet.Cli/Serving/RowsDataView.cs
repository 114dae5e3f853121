using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Cli.Serving;

/// <summary>
/// Rows held in memory as an <see cref="IDataView"/> of text and float columns: the rows of a <c>/predict</c> request,
/// in the columns the model was trained on, for the model's <see cref="ITransformer.Transform"/>.
/// </summary>
internal sealed class RowsDataView : IDataView
{
    private readonly object[][] rows;

    /// <param name="columns">Each column's name and type: <see cref="TextDataViewType"/> (values are <see cref="string"/>) or <see cref="NumberDataViewType.Single"/> (values are <see cref="float"/>).</param>
    /// <param name="rows">One value per column in each row.</param>
    internal RowsDataView(IReadOnlyList<(string Name, DataViewType Type)> columns, object[][] rows)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var (name, type) in columns)
        {
            builder.AddColumn(name, type);
        }

        Schema = builder.ToSchema();
        this.rows = rows;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => rows.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    private sealed class Cursor(RowsDataView view) : DataViewRowCursor
    {
        private long position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => position;

        public override long Batch => 0;

        public override bool MoveNext() => ++position < view.rows.Length;

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var index = column.Index;
            if (typeof(TValue) == typeof(ReadOnlyMemory<char>) && column.Type is TextDataViewType)
            {
                ValueGetter<ReadOnlyMemory<char>> text = (ref ReadOnlyMemory<char> value) => value = ((string)view.rows[position][index]).AsMemory();
                return (ValueGetter<TValue>)(Delegate)text;
            }

            if (typeof(TValue) == typeof(float) && column.Type == NumberDataViewType.Single)
            {
                ValueGetter<float> number = (ref float value) => value = (float)view.rows[position][index];
                return (ValueGetter<TValue>)(Delegate)number;
            }

            throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it was asked for as {typeof(TValue).Name}.");
        }
    }
}
