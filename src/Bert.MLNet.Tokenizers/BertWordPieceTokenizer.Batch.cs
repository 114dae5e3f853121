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
        var max = ResolveMaxLength(maxLength, EncodingLayout.SpecialTokens);
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

            var batch = new TokenizedBatch(count, sequenceLength, PaddingId);
            for (var row = 0; row < count; row++)
            {
                batch.SetRow(row, rows[row].AsSpan(0, rowLengths[row]), rowCounts[row]);
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
        var keep = Math.Min(sink.Count, max - EncodingLayout.SpecialTokens);
        var ids = ArrayPool<int>.Shared.Rent(keep + EncodingLayout.SpecialTokens);
        rows[row] = ids;
        rowLengths[row] = EncodingLayout.Frame(sink.Ids.AsSpan(0, keep), ClassificationId, SeparatorId, ids.AsSpan());
        rowCounts[row] = sink.Count;
    }
}
