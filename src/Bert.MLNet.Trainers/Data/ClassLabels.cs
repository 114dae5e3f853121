using System.Globalization;

namespace Bert.MLNet.Trainers;

/// <summary>
/// The classes of a classification task, in a fixed order that predictions and probabilities follow.
/// Labels that are all integers sort numerically (so "2" comes before "10"); others sort ordinally.
/// For two classes the second is the positive one ("1" of 0/1, "true" of false/true, "yes" of no/yes).
/// </summary>
public sealed class ClassLabels
{
    private readonly string[] names;
    private readonly Dictionary<string, int> indices;

    /// <summary>Classes in the given order; names must be distinct.</summary>
    /// <param name="names">Class names.</param>
    public ClassLabels(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        this.names = names.ToArray();
        indices = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < this.names.Length; i++)
        {
            if (!indices.TryAdd(this.names[i], i))
            {
                throw new ArgumentException($"Class '{this.names[i]}' is listed twice.", nameof(names));
            }
        }
    }

    /// <summary>Number of classes.</summary>
    public int Count => names.Length;

    /// <summary>Class names in index order.</summary>
    public IReadOnlyList<string> Names => names;

    /// <summary>The name of class <paramref name="index"/>.</summary>
    /// <param name="index">Class index.</param>
    public string this[int index] => names[index];

    /// <summary>The distinct labels found in <paramref name="labels"/>, ordered as described on the type.</summary>
    /// <param name="labels">Label values, one per example.</param>
    public static ClassLabels FromValues(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.All(l => long.TryParse(l, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            return new ClassLabels(distinct.OrderBy(l => long.Parse(l, CultureInfo.InvariantCulture)));
        }

        return new ClassLabels(distinct.Order(StringComparer.Ordinal));
    }

    /// <summary>The index of class <paramref name="name"/>, or -1 when it is not one of these classes.</summary>
    /// <param name="name">Class name.</param>
    public int IndexOf(string name) => indices.GetValueOrDefault(name, -1);
}
