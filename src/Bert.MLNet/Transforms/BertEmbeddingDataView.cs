using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Transforms;

/// <summary>
/// What embeds a block of rows for <see cref="BertEmbeddingDataView"/>: <see cref="BertEmbeddingTransformer"/> in
/// memory, or <see cref="BatchedEmbeddingTransformer"/> for a loaded model.
/// </summary>
internal interface IBlockEmbedder
{
    /// <summary>The text column read.</summary>
    string InputColumnName { get; }

    /// <summary>The vector columns added, before the three statistics columns (token count, truncated, window count).</summary>
    IReadOnlyList<string> VectorColumnNames { get; }

    /// <summary>Embeds a block of texts; <paramref name="firstRow"/> is the row number of <c>texts[0]</c>, for messages.</summary>
    EmbeddingResult EmbedRows(IReadOnlyList<string> texts, long firstRow);
}

/// <summary>
/// The in-memory output of an embedding transform: the input's columns, then the vector columns and the three
/// statistics columns. A cursor keeps two cursors on the input in step: one reads the text column ahead, a block of
/// rows at a time, which the embedder sorts by length and batches; the other serves the input's own columns row by
/// row. Only one block of embeddings is held at a time.
/// </summary>
internal sealed class BertEmbeddingDataView(IBlockEmbedder transformer, IDataView input, DataViewSchema schema) : IDataView
{
    /// <summary>Rows read ahead and embedded together; large enough to fill length-sorted batches, small enough to bound memory.</summary>
    internal const int BlockRows = 2048;

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; } = schema;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var inputCount = input.Schema.Count;
        var main = input.GetRowCursor(input.Schema.Where(c => needed.Contains(c.Index)));
        var embeds = needed.Any(i => i >= inputCount);
        var ahead = embeds ? input.GetRowCursor([input.Schema[transformer.InputColumnName]]) : null;
        return new Cursor(transformer, Schema, main, ahead, needed, inputCount);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly IBlockEmbedder transformer;
        private readonly DataViewRowCursor main;
        private readonly DataViewRowCursor? ahead;
        private readonly ValueGetter<ReadOnlyMemory<char>>? readText;
        private readonly HashSet<int> needed;
        private readonly int inputCount;
        private readonly List<string> texts = new(BlockRows);
        private EmbeddingResult? block;
        private long blockStart;
        private long position = -1;

        internal Cursor(IBlockEmbedder transformer, DataViewSchema schema, DataViewRowCursor main, DataViewRowCursor? ahead,
            HashSet<int> needed, int inputCount)
        {
            this.transformer = transformer;
            Schema = schema;
            this.main = main;
            this.ahead = ahead;
            this.needed = needed;
            this.inputCount = inputCount;
            readText = ahead?.GetGetter<ReadOnlyMemory<char>>(ahead.Schema[transformer.InputColumnName]);
        }

        public override DataViewSchema Schema { get; }

        public override long Position => position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (!main.MoveNext())
            {
                return false;
            }

            position++;
            if (ahead is not null && (block is null || position >= blockStart + block.Count))
            {
                ReadBlock();
            }

            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => main.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < inputCount ? main.IsColumnActive(main.Schema[column.Index]) : needed.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < inputCount)
            {
                return main.GetGetter<TValue>(main.Schema[column.Index]);
            }

            if (!needed.Contains(column.Index))
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was made.");
            }

            var ours = column.Index - inputCount;
            var vectors = transformer.VectorColumnNames.Count;
            Delegate getter = ours < vectors ? VectorGetter(ours, vectors) : (ours - vectors) switch
            {
                0 => (ValueGetter<int>)((ref int value) => value = Current.TokenCounts[Offset]),
                1 => (ValueGetter<bool>)((ref bool value) => value = Current.Truncated[Offset]),
                _ => (ValueGetter<int>)((ref int value) => value = Current.WindowCounts[Offset]),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                main.Dispose();
                ahead?.Dispose();
            }

            base.Dispose(disposing);
        }

        private EmbeddingResult Current => block ?? throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");

        private int Offset => (int)(position - blockStart);

        private ValueGetter<VBuffer<float>> VectorGetter(int vector, int vectors) => (ref VBuffer<float> value) =>
        {
            var row = Current[Offset];
            var width = row.Length / vectors;
            var editor = VBufferEditor.Create(ref value, width);
            row.Slice(vector * width, width).CopyTo(editor.Values);
            value = editor.Commit();
        };

        private void ReadBlock()
        {
            blockStart = position;
            texts.Clear();
            var text = default(ReadOnlyMemory<char>);
            while (texts.Count < BlockRows && ahead!.MoveNext())
            {
                readText!(ref text);
                texts.Add(text.ToString());
            }

            if (texts.Count == 0)
            {
                throw new InvalidOperationException($"The input yielded fewer rows for column '{transformer.InputColumnName}' than for the others; a data view must give the same rows to every cursor.");
            }

            block = transformer.EmbedRows(texts, blockStart);
        }
    }
}
