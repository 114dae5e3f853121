using Bert.MLNet.Transforms.Saved;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Transforms;

/// <summary>
/// Builds output <see cref="SchemaShape"/>s. ML.NET keeps the constructor of <see cref="SchemaShape.Column"/> to
/// itself, so the columns are described by typed rows and a <c>CustomMapping</c> estimator (never fitted) reports
/// its output shape: the same shape ML.NET's own transforms give.
/// </summary>
internal static class SchemaShapes
{
    internal static SchemaShape Add(SchemaShape input, string textColumn, IEnumerable<(string Name, int Size)> vectors,
        string tokenCount, string truncated, string windowCount)
    {
        var ml = new MLContext();
        var text = SchemaDefinition.Create(typeof(TextRow));
        text[nameof(TextRow.Text)].ColumnName = textColumn;
        var shape = input;
        foreach (var (name, size) in vectors)
        {
            var vector = SchemaDefinition.Create(typeof(VectorRow));
            var column = vector[nameof(VectorRow.Vector)];
            column.ColumnName = name;
            column.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            shape = ml.Transforms.CustomMapping<TextRow, VectorRow>(static (_, _) => { }, null, text, vector).GetOutputSchema(shape);
        }

        var stats = SchemaDefinition.Create(typeof(StatsRow));
        var (count, cut, windows) = (stats[nameof(StatsRow.TokenCount)], stats[nameof(StatsRow.Truncated)], stats[nameof(StatsRow.WindowCount)]);
        (count.ColumnName, cut.ColumnName, windows.ColumnName) = (tokenCount, truncated, windowCount);
        return ml.Transforms.CustomMapping<TextRow, StatsRow>(static (_, _) => { }, null, text, stats).GetOutputSchema(shape);
    }

    /// <summary>The input shape with a known-size float vector column added (or replaced).</summary>
    internal static SchemaShape AddVector(SchemaShape input, string name, int size)
    {
        var vector = SchemaDefinition.Create(typeof(VectorRow));
        var column = vector[nameof(VectorRow.Vector)];
        column.ColumnName = name;
        column.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return new MLContext().Transforms.CustomMapping<NoInput, VectorRow>(static (_, _) => { }, null, SchemaDefinition.Create(typeof(NoInput)), vector)
            .GetOutputSchema(input);
    }

    /// <summary>The shape of <see cref="TokenizeOutput"/>'s columns under other names.</summary>
    internal static SchemaShape AddTokenization(SchemaShape input, string textColumn, IReadOnlyDictionary<string, string> names)
    {
        var text = SchemaDefinition.Create(typeof(TextRow));
        text[nameof(TextRow.Text)].ColumnName = textColumn;
        var output = SchemaDefinition.Create(typeof(TokenizeOutput));
        foreach (var column in output.ToArray())
        {
            if (names.TryGetValue(column.ColumnName, out var renamed))
            {
                column.ColumnName = renamed;
            }
            else
            {
                output.Remove(column);
            }
        }

        return new MLContext().Transforms.CustomMapping<TextRow, TokenizeOutput>(static (_, _) => { }, null, text, output).GetOutputSchema(input);
    }

    internal sealed class TextRow
    {
        public ReadOnlyMemory<char> Text { get; set; }
    }

    internal sealed class NoInput
    {
    }

    internal sealed class VectorRow
    {
        public float[] Vector { get; set; } = [];
    }

    internal sealed class StatsRow
    {
        public int TokenCount { get; set; }

        public bool Truncated { get; set; }

        public int WindowCount { get; set; }
    }
}
