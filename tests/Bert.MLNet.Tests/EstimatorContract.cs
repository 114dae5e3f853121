using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Tests;

/// <summary>
/// The contract every Bert.MLNet estimator keeps, after ML.NET's own TestEstimatorCore: fit; the output schema equals
/// GetOutputSchema's (from the schema and from its shape) and the row-to-row mapper's, whose rows hold the transform's
/// values; transform; save; load in a fresh MLContext; the same values; an empty input gives no rows; a wrong column
/// type is refused with the column's name by the estimator (GetOutputSchema, Fit), the fitted transformer and the
/// loaded one.
/// </summary>
internal static class EstimatorContract
{
    private const float Tolerance = 1e-5f;

    /// <param name="makeEstimator">Makes the estimator under test (called again for the wrong-type checks).</param>
    /// <param name="data">Rows with the text column.</param>
    /// <param name="textColumn">The text column the estimator reads.</param>
    internal static void Check<T>(Func<MLContext, IEstimator<T>> makeEstimator, IDataView data, string textColumn)
        where T : class, ITransformer
    {
        var ml = new MLContext(seed: 1);
        var wrong = ml.Data.LoadFromEnumerable([new NumberRow { Value = 1 }], SchemaDefinitionWithName(textColumn));
        var estimator = makeEstimator(ml);
        var shape = estimator.GetOutputSchema(ShapeOf(data.Schema));
        var transformer = estimator.Fit(data);
        try
        {
            var output = transformer.Transform(data);
            var expected = transformer.GetOutputSchema(data.Schema);
            AssertSameColumns(expected, output.Schema);
            Assert.Equal(Visible(expected).Select(c => (c.Name, Kind(c.Type), ItemType(c.Type))), shape.Select(c => (c.Name, c.Kind.ToString(), c.ItemType.RawType)));

            var added = Visible(output.Schema).Where(c => data.Schema.GetColumnOrNull(c.Name) is null).Select(c => c.Name).ToArray();
            Assert.NotEmpty(added);
            var before = added.ToDictionary(n => n, n => Values(output, n));
            CheckRowMapper(transformer, data, expected, before);
            RefusesWrongType(transformer, wrong, textColumn, "the fitted transformer");

            var file = Path.Combine(Path.GetTempPath(), $"bert-mlnet-contract-{Guid.NewGuid():N}.zip");
            try
            {
                ml.Model.Save(transformer, data.Schema, file);
                var fresh = new MLContext();
                var loaded = fresh.Model.Load(file, out var savedSchema);
                try
                {
                    AssertSameColumns(data.Schema, savedSchema);
                    var reloaded = loaded.Transform(data);
                    AssertSameColumns(expected, reloaded.Schema);
                    foreach (var name in added)
                    {
                        AssertSameValues(before[name], Values(reloaded, name), name);
                    }

                    Assert.Equal(0, CountRows(loaded.Transform(Empty(fresh, data))));
                    RefusesWrongType(loaded, wrong, textColumn, "the loaded transformer");
                }
                finally
                {
                    (loaded as IDisposable)?.Dispose();
                }
            }
            finally
            {
                File.Delete(file);
            }

            Assert.Equal(0, CountRows(transformer.Transform(Empty(ml, data))));
        }
        finally
        {
            (transformer as IDisposable)?.Dispose();
        }

        // The text column as a number: refused by name, before any work.
        var atShape = Assert.ThrowsAny<ArgumentException>(() => makeEstimator(ml).GetOutputSchema(ShapeOf(wrong.Schema)));
        Assert.Contains($"'{textColumn}'", atShape.Message, StringComparison.Ordinal);
        Assert.Contains("Single", atShape.Message, StringComparison.Ordinal);
        var atFit = Assert.ThrowsAny<ArgumentException>(() => makeEstimator(ml).Fit(wrong));
        Assert.Contains($"'{textColumn}'", atFit.Message, StringComparison.Ordinal);
    }

    // The row-to-row mapper (what PredictionEngine runs) has the transform's schema, and its first row the transform's values.
    private static void CheckRowMapper(ITransformer transformer, IDataView data, DataViewSchema expected, Dictionary<string, List<object>> values)
    {
        Assert.True(transformer.IsRowToRowMapper);
        var mapper = transformer.GetRowToRowMapper(data.Schema);
        AssertSameColumns(expected, mapper.OutputSchema);
        using var cursor = data.GetRowCursor(data.Schema);
        Assert.True(cursor.MoveNext());
        var columns = mapper.OutputSchema.Where(c => !c.IsHidden && values.ContainsKey(c.Name)).ToArray();
        using var row = mapper.GetRow(cursor, columns);
        foreach (var column in columns)
        {
            AssertSameValues([values[column.Name][0]], [RowValue(row, column)], column.Name);
        }
    }

    // A wrong input type is refused naming the column, when the schema is asked for and when data is transformed.
    private static void RefusesWrongType(ITransformer transformer, IDataView wrong, string textColumn, string what)
    {
        var error = Assert.ThrowsAny<Exception>(() => CountRows(transformer.Transform(wrong)));
        Assert.True(error.Message.Contains($"'{textColumn}'", StringComparison.Ordinal), $"{what}: {error.GetType().Name}: {error.Message}");
        var schema = Assert.ThrowsAny<Exception>(() => transformer.GetOutputSchema(wrong.Schema));
        Assert.True(schema.Message.Contains($"'{textColumn}'", StringComparison.Ordinal), $"{what}: {schema.GetType().Name}: {schema.Message}");
    }

    private static object RowValue(DataViewRow row, DataViewSchema.Column column)
    {
        var type = column.Type;
        if (type is VectorDataViewType { ItemType.RawType: var item })
        {
            if (item == typeof(float))
            {
                VBuffer<float> floats = default;
                row.GetGetter<VBuffer<float>>(column)(ref floats);
                return floats.DenseValues().ToArray();
            }

            VBuffer<long> longs = default;
            row.GetGetter<VBuffer<long>>(column)(ref longs);
            return longs.DenseValues().ToArray();
        }

        if (type.RawType == typeof(int))
        {
            var value = 0;
            row.GetGetter<int>(column)(ref value);
            return value;
        }

        if (type.RawType == typeof(bool))
        {
            var value = false;
            row.GetGetter<bool>(column)(ref value);
            return value;
        }

        ReadOnlyMemory<char> text = default;
        row.GetGetter<ReadOnlyMemory<char>>(column)(ref text);
        return text.ToString();
    }

    /// <summary>ML.NET's shape of a schema (SchemaShape.Create is internal to ML.NET).</summary>
    internal static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    /// <summary>Every value of a column as a comparable object: float[], long[], int, bool or string.</summary>
    internal static List<object> Values(IDataView data, string column)
    {
        var type = data.Schema[column].Type;
        return type switch
        {
            VectorDataViewType { ItemType.RawType: var t } when t == typeof(float) => [.. data.GetColumn<float[]>(column)],
            VectorDataViewType { ItemType.RawType: var t } when t == typeof(long) => [.. data.GetColumn<long[]>(column)],
            _ when type.RawType == typeof(int) => [.. data.GetColumn<int>(column).Cast<object>()],
            _ when type.RawType == typeof(bool) => [.. data.GetColumn<bool>(column).Cast<object>()],
            _ => [.. data.GetColumn<string>(column)],
        };
    }

    internal static void AssertSameValues(List<object> expected, List<object> actual, string column)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var row = 0; row < expected.Count; row++)
        {
            if (expected[row] is float[] a && actual[row] is float[] b)
            {
                Assert.Equal(a.Length, b.Length);
                for (var i = 0; i < a.Length; i++)
                {
                    if (Math.Abs(a[i] - b[i]) > Tolerance * Math.Max(1, Math.Abs(a[i])))
                    {
                        Assert.Fail($"Column '{column}', row {row}, value {i}: {a[i]} before saving, {b[i]} after loading.");
                    }
                }
            }
            else
            {
                Assert.Equal(expected[row], actual[row]);
            }
        }
    }

    internal static int CountRows(IDataView data)
    {
        using var cursor = data.GetRowCursor(data.Schema);
        var rows = 0;
        while (cursor.MoveNext())
        {
            rows++;
        }

        return rows;
    }

    private static IDataView Empty(MLContext ml, IDataView data) => ml.Data.SkipRows(data, int.MaxValue);

    private static void AssertSameColumns(DataViewSchema expected, DataViewSchema actual) =>
        Assert.Equal(Visible(expected).Select(c => (c.Name, c.Type.ToString())), Visible(actual).Select(c => (c.Name, c.Type.ToString())));

    private static IEnumerable<DataViewSchema.Column> Visible(DataViewSchema schema) => schema.Where(c => !c.IsHidden);

    private static string Kind(DataViewType type) => type switch
    {
        VectorDataViewType { IsKnownSize: true } => "Vector",
        VectorDataViewType => "VariableVector",
        _ => "Scalar",
    };

    private static Type ItemType(DataViewType type) => (type is VectorDataViewType v ? v.ItemType : type).RawType;

    private static SchemaDefinition SchemaDefinitionWithName(string name)
    {
        var definition = SchemaDefinition.Create(typeof(NumberRow));
        definition[nameof(NumberRow.Value)].ColumnName = name;
        return definition;
    }

    private sealed class NumberRow
    {
        public float Value { get; set; }
    }
}
