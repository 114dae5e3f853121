namespace Bert.MLNet;

/// <summary>What embedded texts are for: retrieval models such as snowflake-arctic-embed-xs embed queries with a prompt and documents without.</summary>
public enum EmbeddingPurpose
{
    /// <summary>Texts to be found: embedded as they are.</summary>
    Document,

    /// <summary>Search queries: the model's query prompt (<see cref="ModelConventions.QueryPrefix"/>) goes before each.</summary>
    Query,
}
