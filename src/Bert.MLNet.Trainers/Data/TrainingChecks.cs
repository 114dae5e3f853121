namespace Bert.MLNet.Trainers;

/// <summary>The checks every trainer makes of its data before it starts.</summary>
internal static class TrainingChecks
{
    /// <summary>The task to train: the requested one when the data allows it, else the one the labels imply.</summary>
    public static PredictionKind ResolveTask(PredictionKind? requested, LabeledData training, LabeledData? validation)
    {
        if (training.Count == 0)
        {
            throw new ArgumentException("The training data has no rows.", nameof(training));
        }

        PredictionKind kind;
        if (!training.IsClassification)
        {
            kind = PredictionKind.Regression;
            if (requested is { } r && r != kind)
            {
                throw new ArgumentException($"{r} was requested, but the labels are regression targets, not classes.", nameof(requested));
            }
        }
        else
        {
            var present = training.ClassIndices!.Distinct().Count();
            if (present < 2)
            {
                throw new ArgumentException(
                    $"Every training row has the label '{training.Classes![training.ClassIndices![0]]}'; classification needs at least two classes.", nameof(training));
            }

            kind = requested ?? (training.Classes!.Count == 2 ? PredictionKind.BinaryClassification : PredictionKind.MulticlassClassification);
            if (kind == PredictionKind.Regression)
            {
                throw new ArgumentException("Regression was requested, but the labels are classes; give float targets instead.", nameof(requested));
            }

            if (kind == PredictionKind.BinaryClassification && training.Classes!.Count != 2)
            {
                throw new ArgumentException(
                    $"Binary classification was requested, but there are {training.Classes!.Count} classes ({string.Join(", ", training.Classes.Names)}).", nameof(requested));
            }
        }

        if (validation is not null)
        {
            if (validation.Features.Columns != training.Features.Columns)
            {
                throw new ArgumentException($"The validation data has {validation.Features.Columns} features; the training data has {training.Features.Columns}.", nameof(validation));
            }

            if (validation.IsClassification != training.IsClassification
                || (training.Classes is not null && !training.Classes.Names.SequenceEqual(validation.Classes!.Names)))
            {
                throw new ArgumentException("The validation data's labels must be the same classes (in the same order) as the training data's.", nameof(validation));
            }

            if (validation.Count == 0)
            {
                throw new ArgumentException("The validation data has no rows.", nameof(validation));
            }
        }

        return kind;
    }

    /// <summary>Refuses an option value, naming the option, what it must be and what it is.</summary>
    public static void Option(bool ok, string option, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be {expected}; it is {value}.");
        }
    }
}
