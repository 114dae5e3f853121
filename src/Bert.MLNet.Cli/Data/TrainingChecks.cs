using Bert.MLNet.Cli.Commands;
using Bert.MLNet.Featurization;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// What <c>train</c> checks before any embedding, so that a dataset the search cannot learn from fails in a second
/// with its cause, not after minutes inside ML.NET; and what it warns about while going on.
/// </summary>
internal static class TrainingChecks
{
    // More classes than this, or than half the rows, is rarely what was meant by a label.
    private const int ManyClasses = 100;

    /// <summary>Throws for what cannot train; returns the warnings (plain text) for what can but looks wrong.</summary>
    /// <exception cref="InvalidDataException">Too few rows or groups for the folds, or a text column empty in every row.</exception>
    internal static List<string> Check(DatasetFile file, string[] labels, TrainSettings settings, SweepTask task)
    {
        var folds = settings.Folds;
        if (file.Rows < folds)
        {
            throw new InvalidDataException($"--folds {folds}: dataset '{file.Path}' has {file.Rows} rows; each fold needs at least one (lower --folds, or add rows).");
        }

        if (settings.GroupColumn is { } groupColumn)
        {
            var groups = file.Texts(groupColumn).Distinct(StringComparer.Ordinal).Count();
            if (groups < folds)
            {
                throw new InvalidDataException(
                    $"--folds {folds}: column '{groupColumn}' (--group-col) of dataset '{file.Path}' has {groups} distinct values; each fold needs at least one group.");
            }
        }

        foreach (var (column, option) in new[] { (settings.TextColumn, "--text-col"), (settings.SecondTextColumn, "--text-col2") })
        {
            if (column is not null && file.Texts(column).All(t => t.Trim().Length == 0))
            {
                throw new InvalidDataException($"Dataset '{file.Path}': the text column '{column}' ({option}) is empty in every row; there is nothing to learn from.");
            }
        }

        var warnings = new List<string>();
        if (task == SweepTask.Regression)
        {
            return warnings;
        }

        var counts = labels.GroupBy(l => l, StringComparer.Ordinal).Select(g => (Class: g.Key, Rows: g.Count())).ToArray();
        var single = counts.Where(c => c.Rows == 1).Select(c => c.Class).ToArray();
        if (task == SweepTask.Multiclass && (counts.Length > ManyClasses || counts.Length * 2 > labels.Length))
        {
            warnings.Add($"column '{settings.LabelColumn}' has {counts.Length} classes for {labels.Length} rows: is it the label you meant? " +
                "(numbers are a regression only when every label is one; --task regression says so)");
        }
        else if (single.Length > 0)
        {
            warnings.Add($"{single.Length} {(single.Length == 1 ? "class" : "classes")} of column '{settings.LabelColumn}' {(single.Length == 1 ? "has" : "have")} one row " +
                $"({string.Join(", ", single.Take(5).Select(c => $"'{c}'"))}{(single.Length > 5 ? ", ..." : string.Empty)}): the fold that tests such a row has never seen its class.");
        }

        var rarest = counts.MinBy(c => c.Rows);
        if (task == SweepTask.Binary && rarest.Rows < folds)
        {
            warnings.Add($"class '{rarest.Class}' of column '{settings.LabelColumn}' has {rarest.Rows} rows for {folds} folds: some folds test without it, and the scores vary more.");
        }

        return warnings;
    }
}
