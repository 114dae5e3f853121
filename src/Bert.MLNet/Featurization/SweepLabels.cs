using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Featurization;

/// <summary>
/// The label of a sweep: read from the data, the task it implies, its classes and metric, and how the pipeline turns it
/// into what the task's trainers (<see cref="SweepTrainers"/>) take and back. In the sweep's in-memory views the label is already in the trainer's type (bool, float), except
/// classes, which become keys in the pipeline as they do in the refitted model.
/// </summary>
internal sealed class SweepLabels
{
    internal const string LabelColumn = "Label";
    internal const string TextColumn = "Text";
    internal const string SecondTextColumn = "Text2";
    internal const string FeaturesColumn = "Features";
    internal const string GroupColumn = "Group";

    private readonly string[]? classes;
    private readonly bool[]? flags;
    private readonly float[]? numbers;
    private readonly DataViewType rawType;
    private readonly (string Negative, string Positive)? binaryNames;

    private SweepLabels(SweepTask task, DataViewType rawType, string[]? classes, bool[]? flags, float[]? numbers, (string, string)? binaryNames)
    {
        Task = task;
        this.rawType = rawType;
        this.classes = classes;
        this.flags = flags;
        this.numbers = numbers;
        this.binaryNames = binaryNames;
    }

    internal SweepTask Task { get; }

    /// <summary>
    /// The label's values as the model's outputs order them: binary, the negative then the positive value (text labels
    /// in ordinal order; Boolean labels False, True); multiclass, in order of first appearance (ML.NET's key order);
    /// empty for regression.
    /// </summary>
    internal IReadOnlyList<string> Classes => Task switch
    {
        SweepTask.Binary => binaryNames is { } names ? [names.Negative, names.Positive] : [bool.FalseString, bool.TrueString],
        SweepTask.Multiclass => [.. classes!.Distinct(StringComparer.Ordinal)],
        _ => [],
    };

    internal string MetricName => Task switch
    {
        SweepTask.Multiclass => "micro accuracy",
        SweepTask.Binary => "accuracy",
        _ => "R²",
    };

    /// <summary>Reads the label column and settles the task.</summary>
    internal static SweepLabels Read(IDataView data, string column, SweepTask task)
    {
        var found = data.Schema.GetColumnOrNull(column)
            ?? throw Transforms.BertSchema.MissingColumn("Label column", column, data.Schema);
        var type = found.Type;
        if (type is TextDataViewType)
        {
            var values = data.GetColumn<string>(column).Select(v => v ?? string.Empty).ToArray();
            var empty = Array.FindIndex(values, v => v.Length == 0);
            if (empty >= 0)
            {
                throw BertErrors.Row(empty, $"the label column '{column}' is empty; every row needs a label.");
            }

            var distinct = values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (distinct.Length < 2)
            {
                throw BertErrors.Invalid(nameof(column), $"The label column '{column}' has one value ('{distinct.FirstOrDefault()}'); a classifier needs two or more.");
            }

            task = task == SweepTask.Auto ? (distinct.Length == 2 ? SweepTask.Binary : SweepTask.Multiclass) : task;
            if (task == SweepTask.Regression)
            {
                throw BertErrors.Column("label", column, $"holds text; regression needs a Single or Double label.");
            }

            if (task == SweepTask.Binary)
            {
                if (distinct.Length != 2)
                {
                    throw BertErrors.Invalid(nameof(column), $"The label column '{column}' has {distinct.Length} values; a binary task needs exactly two.");
                }

                return new SweepLabels(task, type, null, [.. values.Select(v => v == distinct[1])], null, (distinct[0], distinct[1]));
            }

            return new SweepLabels(task, type, values, null, null, null);
        }

        if (type is BooleanDataViewType)
        {
            if (task is SweepTask.Multiclass or SweepTask.Regression)
            {
                throw BertErrors.Column("label", column, $"is Boolean; it can only be a binary task.");
            }

            return new SweepLabels(SweepTask.Binary, type, null, [.. data.GetColumn<bool>(column)], null, null);
        }

        if (type == NumberDataViewType.Single || type == NumberDataViewType.Double)
        {
            if (task is SweepTask.Binary or SweepTask.Multiclass)
            {
                throw BertErrors.Column("label", column, $"holds numbers ({type}); classes need a text or Boolean label.");
            }

            var values = type == NumberDataViewType.Single ? data.GetColumn<float>(column).ToArray() : [.. data.GetColumn<double>(column).Select(v => (float)v)];
            var bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw BertErrors.Row(bad, $"the label column '{column}' is {values[bad]}; regression needs a finite number in every row.");
            }

            return new SweepLabels(SweepTask.Regression, type, null, null, values, null);
        }

        throw BertErrors.Column("label", column, $"has type {type}; expected text, Boolean, Single or Double.");
    }

    /// <summary>An in-memory view of label, text (and second text), features and fold group for cross-validation.</summary>
    internal IDataView View(MLContext ml, string[] texts, string[]? pairs, string[]? groups, float[][]? features, int dimension) => Task switch
    {
        SweepTask.Multiclass => Load(ml, classes!, texts, pairs, groups, features, dimension),
        SweepTask.Binary => Load(ml, flags!, texts, pairs, groups, features, dimension),
        _ => Load(ml, numbers!, texts, pairs, groups, features, dimension),
    };

    /// <summary>
    /// Turns the label into what the task's trainers take, in a column named <see cref="LabelColumn"/>: from the sweep's
    /// in-memory view, or from the user's column when the pipeline is refitted. Null when there is nothing to do.
    /// </summary>
    internal IEstimator<ITransformer>? Prepare(MLContext ml, string column, bool inMemory) => Task switch
    {
        SweepTask.Multiclass => ml.Transforms.Conversion.MapValueToKey(LabelColumn, column),
        _ when inMemory => null,
        SweepTask.Binary when binaryNames is { } names =>
            ml.Transforms.Conversion.MapValue(LabelColumn, [new KeyValuePair<string, bool>(names.Negative, false), new(names.Positive, true)], column),
        SweepTask.Regression when rawType == NumberDataViewType.Double => ml.Transforms.Conversion.ConvertType(LabelColumn, column, DataKind.Single),
        _ when column != LabelColumn => ml.Transforms.CopyColumns(LabelColumn, column),
        _ => null,
    };

    /// <summary>
    /// After the trainer: predicted classes back to their label values — keys to classes (multiclass), and in the refitted
    /// model true/false to the two text values of a binary text label — so <c>PredictedLabel</c> holds what the label
    /// column holds. Null when there is nothing to do. The sweep's folds keep the binary trainer's Boolean, which
    /// ML.NET's evaluator reads.
    /// </summary>
    internal IEstimator<ITransformer>? Finish(MLContext ml, bool inMemory) => Task switch
    {
        SweepTask.Multiclass => ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"),
        SweepTask.Binary when !inMemory && binaryNames is { } names =>
            ml.Transforms.Conversion.MapValue("PredictedLabel", [new KeyValuePair<bool, string>(false, names.Negative), new(true, names.Positive)]),
        _ => null,
    };

    private static IDataView Load<TLabel>(MLContext ml, TLabel[] labels, string[] texts, string[]? pairs, string[]? groups, float[][]? features, int dimension)
    {
        var definition = SchemaDefinition.Create(typeof(Row<TLabel>));
        definition[nameof(Row<TLabel>.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        var empty = new float[dimension];
        var rows = labels.Select((label, i) => new Row<TLabel>
        {
            Label = label, Text = texts[i], Text2 = pairs?[i] ?? string.Empty, Group = groups?[i] ?? string.Empty, Features = features?[i] ?? empty,
        });
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private sealed class Row<TLabel>
    {
        public TLabel Label { get; set; } = default!;

        public string Text { get; set; } = string.Empty;

        public string Text2 { get; set; } = string.Empty;

        public string Group { get; set; } = string.Empty;

        public float[] Features { get; set; } = [];
    }
}
