using System.Buffers;

namespace Bert.MLNet.Tokenizers;

/// <summary>
/// A batch of encoded texts padded to its longest row, in the row-major <c>[BatchSize, SequenceLength]</c>
/// layout a BERT model takes (<c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>, all int64).
/// </summary>
/// <remarks>
/// The buffers are rented from <see cref="ArrayPool{T}.Shared"/>; dispose the batch to return them, and do not
/// keep the spans after that. Not thread-safe to dispose while another thread reads it.
/// </remarks>
public sealed class TokenizedBatch : IDisposable
{
    private long[]? inputIds;
    private long[]? attentionMask;
    private long[]? tokenTypeIds;
    private int[]? lengths;
    private int[]? tokenCounts;

    // Every row padding (paddingId, mask 0, type 0) until SetRow fills it: the one place rows are padded and masked.
    internal TokenizedBatch(int batchSize, int sequenceLength, long paddingId)
    {
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        var size = batchSize * sequenceLength;
        inputIds = ArrayPool<long>.Shared.Rent(size);
        attentionMask = ArrayPool<long>.Shared.Rent(size);
        tokenTypeIds = ArrayPool<long>.Shared.Rent(size);
        lengths = ArrayPool<int>.Shared.Rent(batchSize);
        tokenCounts = ArrayPool<int>.Shared.Rent(batchSize);
        WritableInputIds.Fill(paddingId);
        WritableAttentionMask.Clear();
        WritableTokenTypeIds.Clear();
    }

    /// <summary>The number of rows (texts).</summary>
    public int BatchSize { get; }

    /// <summary>The padded length of every row: the longest row's token count, special tokens included.</summary>
    public int SequenceLength { get; }

    /// <summary>Token ids, row-major, padding rows out with the padding id.</summary>
    public ReadOnlySpan<long> InputIds => Live(inputIds).AsSpan(0, BatchSize * SequenceLength);

    /// <summary>1 for real tokens, 0 for padding, row-major.</summary>
    public ReadOnlySpan<long> AttentionMask => Live(attentionMask).AsSpan(0, BatchSize * SequenceLength);

    /// <summary>Token type ids (all 0 for single texts), row-major.</summary>
    public ReadOnlySpan<long> TokenTypeIds => Live(tokenTypeIds).AsSpan(0, BatchSize * SequenceLength);

    /// <summary>Each row's length before padding, special tokens included.</summary>
    public ReadOnlySpan<int> Lengths => Live(lengths).AsSpan(0, BatchSize);

    /// <summary>Each text's WordPiece count before truncation, without special tokens.</summary>
    public ReadOnlySpan<int> TokenCounts => Live(tokenCounts).AsSpan(0, BatchSize);

    /// <summary>The ids as memory an ONNX Runtime tensor can wrap; valid until the batch is disposed.</summary>
    internal Memory<long> InputIdsMemory => Live(inputIds).AsMemory(0, BatchSize * SequenceLength);

    /// <inheritdoc cref="InputIdsMemory"/>
    internal Memory<long> AttentionMaskMemory => Live(attentionMask).AsMemory(0, BatchSize * SequenceLength);

    /// <inheritdoc cref="InputIdsMemory"/>
    internal Memory<long> TokenTypeIdsMemory => Live(tokenTypeIds).AsMemory(0, BatchSize * SequenceLength);

    private Span<long> WritableInputIds => InputIdsMemory.Span;

    private Span<long> WritableAttentionMask => AttentionMaskMemory.Span;

    private Span<long> WritableTokenTypeIds => TokenTypeIdsMemory.Span;

    /// <summary>
    /// Writes one row's encoding (special tokens included, at most <see cref="SequenceLength"/> ids) and masks it in;
    /// the rest of the row stays padding. <paramref name="tokenCount"/> is its text's WordPiece count before truncation.
    /// </summary>
    internal void SetRow(int row, ReadOnlySpan<int> ids, int tokenCount)
    {
        var target = WritableInputIds.Slice(row * SequenceLength, ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            target[i] = ids[i];
        }

        WritableAttentionMask.Slice(row * SequenceLength, ids.Length).Fill(1);
        Live(lengths)[row] = ids.Length;
        Live(tokenCounts)[row] = tokenCount;
    }

    /// <summary>True when row <paramref name="row"/> was cut to fit the maximum length.</summary>
    public bool IsTruncated(int row) => TokenCounts[row] + 2 > Lengths[row];

    /// <summary>Returns the buffers to the pool.</summary>
    public void Dispose()
    {
        Return(ref inputIds);
        Return(ref attentionMask);
        Return(ref tokenTypeIds);
        Return(ref lengths);
        Return(ref tokenCounts);
    }

    private static T[] Live<T>(T[]? buffer) => buffer ?? throw new ObjectDisposedException(nameof(TokenizedBatch));

    private static void Return<T>(ref T[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<T>.Shared.Return(buffer);
            buffer = null;
        }
    }
}
