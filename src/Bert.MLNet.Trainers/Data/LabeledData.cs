namespace Bert.MLNet.Trainers;

/// <summary>Features with their labels: class indices for classification or float targets for regression.</summary>
public sealed class LabeledData
{
    private LabeledData(FeatureMatrix features, int[]? classes, ClassLabels? classLabels, float[]? targets)
    {
        Features = features;
        ClassIndices = classes;
        Classes = classLabels;
        Targets = targets;
    }

    /// <summary>The examples' features.</summary>
    public FeatureMatrix Features { get; }

    /// <summary>Each example's class index into <see cref="Classes"/>, for classification; null for regression.</summary>
    public int[]? ClassIndices { get; }

    /// <summary>The classes, for classification; null for regression.</summary>
    public ClassLabels? Classes { get; }

    /// <summary>Each example's target, for regression; null for classification.</summary>
    public float[]? Targets { get; }

    /// <summary>Whether the labels are classes.</summary>
    public bool IsClassification => ClassIndices is not null;

    /// <summary>Number of examples.</summary>
    public int Count => Features.Rows;

    /// <summary>Classification data with label names; the classes are the distinct names (see <see cref="ClassLabels.FromValues"/>).</summary>
    /// <param name="features">One row per example.</param>
    /// <param name="labels">One label per example.</param>
    /// <param name="classes">The classes to index into, when they are known already (for example from a trained model).</param>
    public static LabeledData ForClassification(FeatureMatrix features, IReadOnlyList<string> labels, ClassLabels? classes = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        CheckCount(features, labels.Count);
        classes ??= ClassLabels.FromValues(labels);
        var indices = new int[labels.Count];
        for (var i = 0; i < indices.Length; i++)
        {
            indices[i] = classes.IndexOf(labels[i]);
            if (indices[i] < 0)
            {
                throw new ArgumentException($"Row {i} has label '{labels[i]}', which is not one of the classes {string.Join(", ", classes.Names)}.", nameof(labels));
            }
        }

        return new LabeledData(features, indices, classes, null);
    }

    /// <summary>Classification data with class indices 0..classCount-1 (class names are the indices).</summary>
    /// <param name="features">One row per example.</param>
    /// <param name="labels">One class index per example.</param>
    /// <param name="classCount">Number of classes (default: the largest label + 1).</param>
    public static LabeledData ForClassification(FeatureMatrix features, IReadOnlyList<int> labels, int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        CheckCount(features, labels.Count);
        var count = classCount ?? (labels.Count == 0 ? 0 : labels.Max() + 1);
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= count)
            {
                throw new ArgumentException($"Row {i} has class {labels[i]}, outside 0..{count - 1}.", nameof(labels));
            }
        }

        var names = Enumerable.Range(0, count).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new LabeledData(features, labels.ToArray(), new ClassLabels(names), null);
    }

    /// <summary>Regression data.</summary>
    /// <param name="features">One row per example.</param>
    /// <param name="targets">One finite target per example.</param>
    public static LabeledData ForRegression(FeatureMatrix features, IReadOnlyList<float> targets)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        CheckCount(features, targets.Count);
        for (var i = 0; i < targets.Count; i++)
        {
            if (!float.IsFinite(targets[i]))
            {
                throw new ArgumentException($"Row {i} has target {targets[i]}; regression targets must be finite numbers.", nameof(targets));
            }
        }

        return new LabeledData(features, null, null, targets.ToArray());
    }

    /// <summary>
    /// Splits off a seeded random share of the rows, stratified by class for classification, so both parts
    /// keep the class balance. Returns (kept, held out).
    /// </summary>
    /// <param name="fraction">Share of rows to hold out, strictly between 0 and 1.</param>
    /// <param name="seed">Seed of the shuffle.</param>
    public (LabeledData Kept, LabeledData HeldOut) Split(double fraction, int seed = 0)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The held-out fraction must be between 0 and 1 (exclusive).");
        }

        var random = new Random(seed);
        var groups = ClassIndices is null
            ? [Enumerable.Range(0, Count).ToArray()]
            : Enumerable.Range(0, Count).GroupBy(i => ClassIndices[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        var rest = new List<int>();
        var heldOut = new List<int>();
        foreach (var group in groups)
        {
            random.Shuffle(group);
            var take = (int)Math.Round(group.Length * fraction);
            heldOut.AddRange(group.Take(take));
            rest.AddRange(group.Skip(take));
        }

        rest.Sort();
        heldOut.Sort();
        if (rest.Count == 0 || heldOut.Count == 0)
        {
            throw new ArgumentException($"Holding out {fraction:P0} of {Count} rows leaves one side empty.", nameof(fraction));
        }

        return (Select(rest.ToArray()), Select(heldOut.ToArray()));
    }

    /// <summary>A new data set with the chosen rows, in the order given.</summary>
    /// <param name="rows">Row indices.</param>
    public LabeledData Select(int[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new LabeledData(
            Features.SelectRows(rows),
            ClassIndices is null ? null : Array.ConvertAll(rows, r => ClassIndices[r]),
            Classes,
            Targets is null ? null : Array.ConvertAll(rows, r => Targets[r]));
    }

    private static void CheckCount(FeatureMatrix features, int labels)
    {
        if (labels != features.Rows)
        {
            throw new ArgumentException($"There are {labels} labels for {features.Rows} rows of features.");
        }
    }
}
