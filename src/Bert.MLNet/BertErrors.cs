using System.Globalization;

namespace Bert.MLNet;

/// <summary>
/// The errors a user's input can cause (an option, a file, a row, a column), made in one place so that every message
/// has one shape: what is wrong, where (the option, file, row or column), and what was expected. Call sites throw
/// what these return (<c>throw BertErrors.Option(...)</c>), so the throw stays visible where it happens. What is left
/// inline elsewhere is an exception with a meaning of its own: a cancelled run, a rejected request, a data view used
/// against its contract.
/// </summary>
internal static class BertErrors
{
    /// <summary>An option outside its range: "<c>MaxLength is 2; expected at least 3.</c>"</summary>
    internal static ArgumentOutOfRangeException Option(string option, object? actual, string expected) =>
        new(option, actual, $"{option} is {Show(actual)}; expected {expected}.");

    /// <summary>An argument or option that is wrong in a way no range describes (null, conflicting, not what the model takes).</summary>
    internal static ArgumentException Invalid(string? parameter, string message) => new(message, parameter);

    /// <summary>A value outside what the model or the data allows, with the message saying both.</summary>
    internal static ArgumentOutOfRangeException OutOfRange(string parameter, object? actual, string message) => new(parameter, actual, message);

    /// <summary>Text that does not parse as the syntax it should (a layer selection).</summary>
    internal static FormatException Format(string message) => new(message);

    /// <summary>Something this build or machine cannot do (CUDA, saving another tokenizer), with what to do instead.</summary>
    internal static NotSupportedException Unsupported(string message, Exception? inner = null) => new(message, inner);

    /// <summary>A folder that cannot be read or written (the model cache), with where to point it instead.</summary>
    internal static IOException Folder(string message, Exception inner) => new(message, inner);

    /// <summary>A malformed file or file part: "<c>{source}: {problem}</c>", <paramref name="source"/> naming it.</summary>
    internal static InvalidDataException File(string source, string problem, Exception? inner = null) =>
        new($"{source}: {problem}", inner);

    /// <summary>A damaged part of a model file that has no path of its own (an entry, the tokenizer state).</summary>
    internal static InvalidDataException Damaged(string message, Exception? inner = null) => new(message, inner);

    /// <summary>A file that is not where it should be; <paramref name="message"/> says where it looked.</summary>
    internal static FileNotFoundException Missing(string message, string path, Exception? inner = null) =>
        new(message, path, inner);

    /// <summary>One row of the input is unusable: "<c>Row {row}: {problem}</c>".</summary>
    internal static ArgumentException Row(long row, string problem, string? parameter = null) =>
        new($"Row {row.ToString(CultureInfo.InvariantCulture)}: {problem}", parameter);

    /// <summary>A column of the wrong type or content: "<c>The {role} column '{column}' {problem}</c>".</summary>
    internal static ArgumentOutOfRangeException Column(string role, string column, string problem) =>
        new(nameof(column), $"The {role} column '{column}' {problem}");

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
