using System.Buffers;

namespace Bert.MLNet.Tokenizers;

public sealed partial class BertWordPieceTokenizer
{
    /// <summary>
    /// Encodes many texts as one padded batch (<c>[CLS] text [SEP]</c> per row, each truncated to
    /// <paramref name="maxLength"/>, all padded to the longest row). Buffers are pooled: dispose the batch.
    /// With <paramref name="parallel"/>, rows are tokenized on all cores.
    /// </summary>
    /// <exception cref="ArgumentException">A text is null (the message names its row).</exception>
    public TokenizedBatch EncodeBatch(IReadOnlyList<string> texts, int? maxLength = null, bool parallel = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var max = ResolveMaxLength(maxLength, 2);
        var count = texts.Count;
        var rows = ArrayPool<int[]>.Shared.Rent(count);
        var rowLengths = ArrayPool<int>.Shared.Rent(count);
        var rowCounts = ArrayPool<int>.Shared.Rent(count);
        try
        {
            if (parallel && count > 1)
            {
                Parallel.For(0, count, row => TokenizeRow(texts, row, max, rows, rowLengths, rowCounts));
            }
            else
            {
                for (var row = 0; row < count; row++)
                {
                    TokenizeRow(texts, row, max, rows, rowLengths, rowCounts);
                }
            }

            var sequenceLength = 2;
            for (var row = 0; row < count; row++)
            {
                sequenceLength = Math.Max(sequenceLength, rowLengths[row]);
            }

            var batch = new TokenizedBatch(count, sequenceLength);
            var ids = batch.WritableInputIds;
            var mask = batch.WritableAttentionMask;
            ids.Fill(PaddingId);
            mask.Clear();
            batch.WritableTokenTypeIds.Clear();
            for (var row = 0; row < count; row++)
            {
                var length = rowLengths[row];
                var target = ids.Slice(row * sequenceLength, length);
                var source = rows[row];
                for (var i = 0; i < length; i++)
                {
                    target[i] = source[i];
                }

                mask.Slice(row * sequenceLength, length).Fill(1);
                batch.WritableLengths[row] = length;
                batch.WritableTokenCounts[row] = rowCounts[row];
            }

            return batch;
        }
        finally
        {
            for (var row = 0; row < count; row++)
            {
                if (rows[row] is { } rented)
                {
                    ArrayPool<int>.Shared.Return(rented);
                }
            }

            ArrayPool<int[]>.Shared.Return(rows, clearArray: true);
            ArrayPool<int>.Shared.Return(rowLengths);
            ArrayPool<int>.Shared.Return(rowCounts);
        }
    }

    private void TokenizeRow(IReadOnlyList<string> texts, int row, int max, int[][] rows, int[] rowLengths, int[] rowCounts)
    {
        var text = texts[row] ?? throw new ArgumentException($"Text at row {row} is null; every row needs a string (use \"\" for empty).", nameof(texts));
        var sink = TokenSink.Rent();
        TokenizeInto(text, sink);
        var keep = Math.Min(sink.Count, max - 2);
        var ids = ArrayPool<int>.Shared.Rent(keep + 2);
        ids[0] = ClassificationId;
        sink.Ids.AsSpan(0, keep).CopyTo(ids.AsSpan(1));
        ids[keep + 1] = SeparatorId;
        rows[row] = ids;
        rowLengths[row] = keep + 2;
        rowCounts[row] = sink.Count;
    }
}
