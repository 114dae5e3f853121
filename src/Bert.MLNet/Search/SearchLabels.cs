using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Search;

/// <summary>
/// The label of a search: read from the data, the task it implies, and the label handling, trainers and metric of
/// that task. In the search's in-memory views the label is already in the trainer's type (bool, float), except
/// classes, which become keys in the pipeline as they do in the refitted model.
/// </summary>
internal sealed class SearchLabels
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

    private SearchLabels(SearchTask task, DataViewType rawType, string[]? classes, bool[]? flags, float[]? numbers, (string, string)? binaryNames)
    {
        Task = task;
        this.rawType = rawType;
        this.classes = classes;
        this.flags = flags;
        this.numbers = numbers;
        this.binaryNames = binaryNames;
    }

    internal SearchTask Task { get; }

    /// <summary>
    /// The label's values as the model's outputs order them: binary, the negative then the positive value (text labels
    /// in ordinal order; Boolean labels False, True); multiclass, in order of first appearance (ML.NET's key order);
    /// empty for regression.
    /// </summary>
    internal IReadOnlyList<string> Classes => Task switch
    {
        SearchTask.Binary => binaryNames is { } names ? [names.Negative, names.Positive] : [bool.FalseString, bool.TrueString],
        SearchTask.Multiclass => [.. classes!.Distinct(StringComparer.Ordinal)],
        _ => [],
    };

    internal string MetricName => Task switch
    {
        SearchTask.Multiclass => "micro accuracy",
        SearchTask.Binary => "accuracy",
        _ => "R²",
    };

    /// <summary>Reads the label column and settles the task.</summary>
    internal static SearchLabels Read(IDataView data, string column, SearchTask task)
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

            task = task == SearchTask.Auto ? (distinct.Length == 2 ? SearchTask.Binary : SearchTask.Multiclass) : task;
            if (task == SearchTask.Regression)
            {
                throw BertErrors.Column("label", column, $"holds text; regression needs a Single or Double label.");
            }

            if (task == SearchTask.Binary)
            {
                if (distinct.Length != 2)
                {
                    throw BertErrors.Invalid(nameof(column), $"The label column '{column}' has {distinct.Length} values; a binary task needs exactly two.");
                }

                return new SearchLabels(task, type, null, [.. values.Select(v => v == distinct[1])], null, (distinct[0], distinct[1]));
            }

            return new SearchLabels(task, type, values, null, null, null);
        }

        if (type is BooleanDataViewType)
        {
            if (task is SearchTask.Multiclass or SearchTask.Regression)
            {
                throw BertErrors.Column("label", column, $"is Boolean; it can only be a binary task.");
            }

            return new SearchLabels(SearchTask.Binary, type, null, [.. data.GetColumn<bool>(column)], null, null);
        }

        if (type == NumberDataViewType.Single || type == NumberDataViewType.Double)
        {
            if (task is SearchTask.Binary or SearchTask.Multiclass)
            {
                throw BertErrors.Column("label", column, $"holds numbers ({type}); classes need a text or Boolean label.");
            }

            var values = type == NumberDataViewType.Single ? data.GetColumn<float>(column).ToArray() : [.. data.GetColumn<double>(column).Select(v => (float)v)];
            var bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw BertErrors.Row(bad, $"the label column '{column}' is {values[bad]}; regression needs a finite number in every row.");
            }

            return new SearchLabels(SearchTask.Regression, type, null, null, values, null);
        }

        throw BertErrors.Column("label", column, $"has type {type}; expected text, Boolean, Single or Double.");
    }

    /// <summary>An in-memory view of label, text (and second text), features and fold group for cross-validation.</summary>
    internal IDataView View(MLContext ml, string[] texts, string[]? pairs, string[]? groups, float[][]? features, int dimension) => Task switch
    {
        SearchTask.Multiclass => Load(ml, classes!, texts, pairs, groups, features, dimension),
        SearchTask.Binary => Load(ml, flags!, texts, pairs, groups, features, dimension),
        _ => Load(ml, numbers!, texts, pairs, groups, features, dimension),
    };

    /// <summary>
    /// Turns the label into what the task's trainers take, in a column named <see cref="LabelColumn"/>: from the search's
    /// in-memory view, or from the user's column when the pipeline is refitted. Null when there is nothing to do.
    /// </summary>
    internal IEstimator<ITransformer>? Prepare(MLContext ml, string column, bool inMemory) => Task switch
    {
        SearchTask.Multiclass => ml.Transforms.Conversion.MapValueToKey(LabelColumn, column),
        _ when inMemory => null,
        SearchTask.Binary when binaryNames is { } names =>
            ml.Transforms.Conversion.MapValue(LabelColumn, [new KeyValuePair<string, bool>(names.Negative, false), new(names.Positive, true)], column),
        SearchTask.Regression when rawType == NumberDataViewType.Double => ml.Transforms.Conversion.ConvertType(LabelColumn, column, DataKind.Single),
        _ when column != LabelColumn => ml.Transforms.CopyColumns(LabelColumn, column),
        _ => null,
    };

    /// <summary>The trainer for the task.</summary>
    internal IEstimator<ITransformer> Trainer(MLContext ml, SearchTrainer trainer, int seed) => (Task, trainer) switch
    {
        (SearchTask.Multiclass, SearchTrainer.Linear) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(LabelColumn, FeaturesColumn),
        (SearchTask.Multiclass, SearchTrainer.LightGbm) => ml.MulticlassClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmMulticlassTrainer.Options
            { LabelColumnName = LabelColumn, FeatureColumnName = FeaturesColumn, Seed = seed }),
        (SearchTask.Multiclass, _) => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(featureColumnName: FeaturesColumn), LabelColumn),
        (SearchTask.Binary, SearchTrainer.Linear) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(LabelColumn, FeaturesColumn),
        (SearchTask.Binary, SearchTrainer.LightGbm) => ml.BinaryClassification.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer.Options
            { LabelColumnName = LabelColumn, FeatureColumnName = FeaturesColumn, Seed = seed }),
        (SearchTask.Binary, _) => ml.BinaryClassification.Trainers.FastTree(LabelColumn, FeaturesColumn),
        (_, SearchTrainer.Linear) => ml.Regression.Trainers.Sdca(LabelColumn, FeaturesColumn),
        (_, SearchTrainer.LightGbm) => ml.Regression.Trainers.LightGbm(new Microsoft.ML.Trainers.LightGbm.LightGbmRegressionTrainer.Options
            { LabelColumnName = LabelColumn, FeatureColumnName = FeaturesColumn, Seed = seed }),
        _ => ml.Regression.Trainers.FastTree(LabelColumn, FeaturesColumn),
    };

    /// <summary>
    /// After the trainer: predicted classes back to their label values — keys to classes (multiclass), and in the refitted
    /// model true/false to the two text values of a binary text label — so <c>PredictedLabel</c> holds what the label
    /// column holds. Null when there is nothing to do. The search's folds keep the binary trainer's Boolean, which
    /// ML.NET's evaluator reads.
    /// </summary>
    internal IEstimator<ITransformer>? Finish(MLContext ml, bool inMemory) => Task switch
    {
        SearchTask.Multiclass => ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"),
        SearchTask.Binary when !inMemory && binaryNames is { } names =>
            ml.Transforms.Conversion.MapValue("PredictedLabel", [new KeyValuePair<bool, string>(false, names.Negative), new(true, names.Positive)]),
        _ => null,
    };

    /// <summary>
    /// The task's score on each fold of ML.NET's cross-validation split (<c>CrossValidationSplit</c>, the folds
    /// ML.NET's <c>CrossValidate</c> uses; rows of one group stay in one fold when <paramref name="grouped"/>).
    /// Classification is scored by the share of the fold's rows predicted right: ML.NET's evaluators would also compute
    /// AUC or log-loss, and fail on a fold that holds one class only. Regression is ML.NET's R². A fold with no rows
    /// is not scored.
    /// </summary>
    internal List<double> CrossValidate(MLContext ml, IDataView view, IEstimator<ITransformer> pipeline, int folds, int seed, bool grouped)
    {
        var scores = new List<double>();
        foreach (var split in ml.Data.CrossValidationSplit(view, folds, grouped ? GroupColumn : null, seed))
        {
            var scored = pipeline.Fit(split.TrainSet).Transform(split.TestSet);
            var score = Task switch
            {
                SearchTask.Regression => !split.TestSet.GetColumn<float>(LabelColumn).Any() ? double.NaN : ml.Regression.Evaluate(scored, LabelColumn).RSquared,
                SearchTask.Binary => ShareRight(split.TestSet.GetColumn<bool>(LabelColumn), scored.GetColumn<bool>("PredictedLabel")),
                _ => ShareRight(split.TestSet.GetColumn<string>(LabelColumn), scored.GetColumn<string>("PredictedLabel")),
            };
            if (!double.IsNaN(score))
            {
                scores.Add(score);
            }
        }

        return scores;
    }

    // The share of rows whose prediction equals the label (the test fold and its scored view, row for row); NaN for none.
    private static double ShareRight<T>(IEnumerable<T> labels, IEnumerable<T> predicted)
    {
        var (rows, right) = (0, 0);
        foreach (var (label, prediction) in labels.Zip(predicted))
        {
            rows++;
            right += EqualityComparer<T>.Default.Equals(label, prediction) ? 1 : 0;
        }

        return rows == 0 ? double.NaN : (double)right / rows;
    }

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
