using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Bert.MLNet.Tokenizers;

/// <summary>Every error the tokenizer raises, in one place, so messages stay consistent and name what was expected.</summary>
[StackTraceHidden]
internal static class TokenizerThrow
{
    [DoesNotReturn]
    internal static void InvalidOption(string option, object? actual, string expected) =>
        throw new ArgumentOutOfRangeException(option, actual, $"Option '{option}' is {Show(actual)}; expected {expected}.");

    [DoesNotReturn]
    internal static void InvalidArgument(string parameter, string message) =>
        throw new ArgumentException(message, parameter);

    [DoesNotReturn]
    internal static void MissingPath(string path) =>
        throw new FileNotFoundException(
            $"No tokenizer at '{path}': expected a folder holding vocab.txt or tokenizer.json, or the path of one of those files.", path);

    [DoesNotReturn]
    internal static void InvalidFile(string path, string problem) =>
        throw new InvalidDataException($"{path}: {problem}");

    [DoesNotReturn]
    internal static void InvalidFile(string path, string problem, Exception inner) =>
        throw new InvalidDataException($"{path}: {problem}", inner);

    [DoesNotReturn]
    internal static void MissingSpecialToken(string source, string role, string token) =>
        throw new InvalidDataException(
            $"{source}: the {role} token '{token}' is not in the vocabulary; every BERT vocabulary needs it " +
            "(set its name in tokenizer_config.json or BertTokenizerOptions if the vocabulary spells it differently).");

    [DoesNotReturn]
    internal static void UnknownId(int id, int vocabularySize) =>
        throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the vocabulary [0, {vocabularySize}).");

    [DoesNotReturn]
    internal static void BufferTooSmall(string parameter, int actual, int needed) =>
        throw new ArgumentException($"Buffer '{parameter}' holds {actual} values; {needed} are needed.", parameter);

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        _ => value.ToString() ?? "null",
    };
}
