using Microsoft.ML;
using Microsoft.ML.Data;

namespace Bert.MLNet.Transforms;

/// <summary>The input checks every Bert.MLNet transform makes before any work, with messages that name the column.</summary>
internal static class BertSchema
{
    internal static void CheckInput(DataViewSchema schema, string column)
    {
        var found = schema.GetColumnOrNull(column);
        if (found is null)
        {
            throw MissingColumn("Input column", column, schema);
        }

        if (found.Value.Type is not TextDataViewType)
        {
            throw WrongType(column, found.Value.Type.ToString() ?? found.Value.Type.RawType.Name);
        }
    }

    internal static void CheckInput(SchemaShape schema, string column)
    {
        var found = schema.LastOrDefault(c => c.Name == column);
        if (found.Name is null)
        {
            throw MissingColumn("Input column", column, schema.Select(c => c.Name));
        }

        if (found.Kind != SchemaShape.Column.VectorKind.Scalar || found.ItemType is not TextDataViewType)
        {
            var kind = found.Kind == SchemaShape.Column.VectorKind.Scalar ? string.Empty : "vector of ";
            throw WrongType(column, kind + found.ItemType?.ToString());
        }
    }

    /// <summary>The error for a column the data lacks, listing the visible columns it has; <paramref name="role"/> says which column ("Label column").</summary>
    internal static ArgumentOutOfRangeException MissingColumn(string role, string column, DataViewSchema schema) =>
        MissingColumn(role, column, schema.Where(c => !c.IsHidden).Select(c => c.Name));

    internal static ArgumentOutOfRangeException MissingColumn(string role, string column, IEnumerable<string> present) =>
        new(nameof(column), $"{role} '{column}' is not in the data; its columns are: {string.Join(", ", present.Select(n => $"'{n}'"))}.");

    private static ArgumentOutOfRangeException WrongType(string column, string type) =>
        new(nameof(column), $"Input column '{column}' has type {type}; Bert.MLNet needs a text (String) column.");
}
