using System.Globalization;

namespace Bert.MLNet;

/// <summary>
/// Which hidden states to use, in Hugging Face's <c>hidden_states</c> indexing: 0 is the embeddings' output,
/// 1..N the encoder layers, and negative indices count from the end (-1 is the last layer).
/// Parse <c>all</c>, a list (<c>0,6,12</c>), a range (<c>-4..-1</c>), or a mix (<c>0,-4..-1</c>).
/// </summary>
public sealed class LayerSelection
{
    private readonly string text;
    private readonly List<(int From, int To)> parts;

    private LayerSelection(string text, List<(int From, int To)> parts)
    {
        this.text = text;
        this.parts = parts;
    }

    /// <summary>Every hidden state, embeddings included.</summary>
    public static LayerSelection All { get; } = new("all", [(0, -1)]);

    /// <summary>The last layer alone (what <c>last_hidden_state</c> holds).</summary>
    public static LayerSelection Last { get; } = new("-1", [(-1, -1)]);

    /// <summary>Parses a selection such as <c>all</c>, <c>-1</c>, <c>-4..-1</c> or <c>0,2,4</c>.</summary>
    /// <exception cref="FormatException">The text is not a selection; the message shows the accepted forms.</exception>
    public static LayerSelection Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return All;
        }

        var parts = new List<(int, int)>();
        foreach (var part in trimmed.Split(',', StringSplitOptions.TrimEntries))
        {
            var range = part.Split("..", StringSplitOptions.TrimEntries);
            if (range.Length is 1 or 2 && range.All(IsInteger))
            {
                var from = int.Parse(range[0], CultureInfo.InvariantCulture);
                parts.Add((from, range.Length == 2 ? int.Parse(range[1], CultureInfo.InvariantCulture) : from));
            }
            else
            {
                throw BertErrors.Format($"Layer selection '{text}' is not valid; expected 'all', an index (-1), a list (0,6,12) or a range (-4..-1).");
            }
        }

        return new LayerSelection(trimmed, parts);
    }

    /// <summary>
    /// The hidden-state indices this selection names for a model with <paramref name="layerCount"/> encoder
    /// layers, in the order written, each in <c>[0, layerCount]</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the model; the message gives the valid range.</exception>
    public IReadOnlyList<int> Resolve(int layerCount)
    {
        var result = new List<int>();
        foreach (var (from, to) in parts)
        {
            var start = Index(from, layerCount);
            var end = Index(to, layerCount);
            var step = end >= start ? 1 : -1;
            for (var i = start; i != end + step; i += step)
            {
                result.Add(i);
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => text;

    private int Index(int index, int layerCount)
    {
        var resolved = index < 0 ? layerCount + 1 + index : index;
        if (resolved < 0 || resolved > layerCount)
        {
            throw BertErrors.OutOfRange(nameof(index), index,
                $"Layer {index} in '{text}' is outside this model: it has {layerCount} encoder layers, so valid indices are 0..{layerCount} (0 = embeddings) or -{layerCount + 1}..-1.");
        }

        return resolved;
    }

    private static bool IsInteger(string s) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
