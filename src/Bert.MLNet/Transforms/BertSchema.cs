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

    /// <summary>
    /// Checks that <paramref name="column"/> is a known-size vector of Single and returns its size;
    /// <paramref name="role"/> says which column ("Input column"), <paramref name="user"/> what needs it ("pair features need").
    /// </summary>
    internal static int CheckVector(DataViewSchema schema, string role, string column, string user)
    {
        var found = schema.GetColumnOrNull(column) ?? throw MissingColumn(role, column, schema);
        if (found.Type is not VectorDataViewType { IsKnownSize: true, ItemType: NumberDataViewType item } vector || item != NumberDataViewType.Single)
        {
            throw WrongVector(role, column, found.Type.ToString() ?? found.Type.RawType.Name, user);
        }

        return vector.Size;
    }

    /// <inheritdoc cref="CheckVector(DataViewSchema, string, string, string)"/>
    /// <remarks>A shape carries no vector sizes: only the kind and item type are checked.</remarks>
    internal static void CheckVector(SchemaShape schema, string role, string column, string user)
    {
        var found = schema.LastOrDefault(c => c.Name == column);
        if (found.Name is null)
        {
            throw MissingColumn(role, column, schema.Select(c => c.Name));
        }

        if (found.Kind != SchemaShape.Column.VectorKind.Vector || found.ItemType != NumberDataViewType.Single)
        {
            throw WrongVector(role, column, $"{found.Kind} of {found.ItemType}", user);
        }
    }

    /// <summary>The error for a column the data lacks, listing the visible columns it has; <paramref name="role"/> says which column ("Label column").</summary>
    internal static ArgumentOutOfRangeException MissingColumn(string role, string column, DataViewSchema schema) =>
        MissingColumn(role, column, schema.Where(c => !c.IsHidden).Select(c => c.Name));

    internal static ArgumentOutOfRangeException MissingColumn(string role, string column, IEnumerable<string> present) =>
        new(nameof(column), $"{role} '{column}' is not in the data; its columns are: {string.Join(", ", present.Select(n => $"'{n}'"))}.");

    private static ArgumentOutOfRangeException WrongVector(string role, string column, string type, string user) =>
        new(nameof(column), $"{role} '{column}' has type {type}; {user} a known-size vector of Single.");

    private static ArgumentOutOfRangeException WrongType(string column, string type) =>
        new(nameof(column), $"Input column '{column}' has type {type}; Bert.MLNet needs a text (String) column.");
}
