namespace Bert.MLNet.Options;

/// <summary>
/// The one rule for per-token output (<see cref="Pooling.None"/>): it has no fixed size, so every output that holds one
/// vector per text (an ML.NET column, an index, a generator, Parquet, .npy) refuses it, in these words.
/// </summary>
internal static class PerTokenOutput
{
    /// <summary>Throws when <paramref name="pooling"/> is per-token: <paramref name="asked"/> names the option as the caller spells it.</summary>
    /// <exception cref="ArgumentException">The pooling is <see cref="Pooling.None"/>.</exception>
    internal static void Refuse(Pooling pooling, string asked, string output, string instead, string? parameter = null)
    {
        if (pooling == Pooling.None)
        {
            throw BertErrors.Invalid(parameter, Refusal(asked, output, instead));
        }
    }

    /// <summary>The message: what asked for per-token vectors, which output cannot hold them, and what to do instead.</summary>
    internal static string Refusal(string asked, string output, string instead) =>
        $"{asked} gives one vector per token, with no fixed size, which {output} cannot hold; {instead}.";
}
