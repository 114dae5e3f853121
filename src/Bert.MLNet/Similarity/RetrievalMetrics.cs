namespace Bert.MLNet.Similarity;

/// <summary>How well search results find the relevant items.</summary>
public static class RetrievalMetrics
{
    /// <summary>Mean over queries of the share of a query's relevant items found in its first <paramref name="k"/> results.</summary>
    /// <param name="results">Each query's results, best first.</param>
    /// <param name="relevant">Each query's relevant item indices (at least one each).</param>
    /// <param name="k">How many results count.</param>
    public static double RecallAtK(IReadOnlyList<IReadOnlyList<SearchHit>> results, IReadOnlyList<IReadOnlyCollection<int>> relevant, int k)
    {
        Check(results, relevant);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        double sum = 0;
        for (var q = 0; q < results.Count; q++)
        {
            var found = results[q].Take(k).Count(hit => relevant[q].Contains(hit.Index));
            sum += (double)found / relevant[q].Count;
        }

        return sum / results.Count;
    }

    /// <summary>Mean reciprocal rank: mean over queries of 1 / the rank of the first relevant result (0 when none is returned).</summary>
    /// <param name="results">Each query's results, best first.</param>
    /// <param name="relevant">Each query's relevant item indices (at least one each).</param>
    public static double MeanReciprocalRank(IReadOnlyList<IReadOnlyList<SearchHit>> results, IReadOnlyList<IReadOnlyCollection<int>> relevant)
    {
        Check(results, relevant);
        double sum = 0;
        for (var q = 0; q < results.Count; q++)
        {
            for (var rank = 0; rank < results[q].Count; rank++)
            {
                if (relevant[q].Contains(results[q][rank].Index))
                {
                    sum += 1.0 / (rank + 1);
                    break;
                }
            }
        }

        return sum / results.Count;
    }

    private static void Check(IReadOnlyList<IReadOnlyList<SearchHit>> results, IReadOnlyList<IReadOnlyCollection<int>> relevant)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(relevant);
        if (relevant.Count != results.Count || results.Count == 0)
        {
            throw BertErrors.Invalid(nameof(relevant),
                $"There are {results.Count} queries' results and {relevant.Count} queries' relevant items; they must pair up, one or more queries.");
        }

        for (var q = 0; q < relevant.Count; q++)
        {
            if (relevant[q].Count == 0)
            {
                throw BertErrors.Invalid(nameof(relevant), $"Query {q} has no relevant items; recall and rank are undefined for it.");
            }
        }
    }
}
