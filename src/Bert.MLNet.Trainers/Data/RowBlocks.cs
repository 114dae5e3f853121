namespace Bert.MLNet.Trainers;

/// <summary>
/// Work over rows in fixed-size blocks, the blocks in parallel. Because the blocks do not depend on the number
/// of threads, per-block results (partial sums) combined in block order give the same answer on any machine.
/// </summary>
internal static class RowBlocks
{
    /// <summary>Blocks of <paramref name="size"/> rows needed to cover <paramref name="rows"/>.</summary>
    public static int Count(int rows, int size) => (rows + size - 1) / size;

    /// <summary>Calls <paramref name="body"/>(start, end) for every block [start, end) of [0, <paramref name="rows"/>).</summary>
    /// <param name="rows">Rows in all.</param>
    /// <param name="size">Rows per block.</param>
    /// <param name="threads">Most threads to use; 0 for as many as the thread pool gives.</param>
    /// <param name="body">The work on one block.</param>
    public static void For(int rows, int size, int threads, Action<int, int> body) =>
        Parallel.For(0, Count(rows, size), new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 }, block =>
            body(block * size, Math.Min(rows, (block + 1) * size)));
}
