namespace Bert.MLNet.Embeddings;

/// <summary>
/// Groups encodings into model runs: longest first, so each batch pads to nearly its own length, with at most
/// <c>batchSize</c> rows and <c>tokenBudget</c> tokens (rows × padded length) per run.
/// </summary>
internal static class Batcher
{
    /// <summary>Each batch as indices into <paramref name="segments"/>; every segment appears once.</summary>
    internal static List<int[]> Plan(IReadOnlyList<Segment> segments, int batchSize, int tokenBudget)
    {
        var order = Enumerable.Range(0, segments.Count).OrderByDescending(i => segments[i].Ids.Length).ThenBy(i => i).ToArray();
        var batches = new List<int[]>();
        var start = 0;
        while (start < order.Length)
        {
            var longest = segments[order[start]].Ids.Length;
            var rows = Math.Max(1, Math.Min(batchSize, tokenBudget / Math.Max(1, longest)));
            rows = Math.Min(rows, order.Length - start);
            batches.Add(order[start..(start + rows)]);
            start += rows;
        }

        return batches;
    }
}
