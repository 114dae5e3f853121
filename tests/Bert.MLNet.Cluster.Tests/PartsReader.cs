using DuckDB.NET.Data;

namespace Bert.MLNet.Testing;

/// <summary>
/// Reads embeddings Parquet with DuckDB, a reader other than the Parquet.Net that wrote them: a folder of parts as one
/// table, the way a user's query would.
/// </summary>
internal static class PartsReader
{
    /// <summary>Every row of <paramref name="glob"/>, ordered by row number, with the table's row and distinct-row counts.</summary>
    internal static (long Count, long Distinct, List<(long Row, float[] Vector, int Tokens, bool Truncated)> Rows) Read(string glob)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var counts = connection.CreateCommand();
        counts.CommandText = $"SELECT count(*), count(DISTINCT row) FROM read_parquet('{glob}')";
        long count, distinct;
        using (var reader = counts.ExecuteReader())
        {
            Assert.True(reader.Read());
            count = reader.GetInt64(0);
            distinct = reader.GetInt64(1);
        }

        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT row, embedding, token_count, truncated FROM read_parquet('{glob}') ORDER BY row";
        var rows = new List<(long, float[], int, bool)>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), [.. (List<float>)reader.GetValue(1)], reader.GetInt32(2), reader.GetBoolean(3)));
            }
        }

        return (count, distinct, rows);
    }
}
