using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace Bert.MLNet.Cli.Tests;

/// <summary>
/// Every C# block of the README compiles against the current API (the pipeline example also runs, in
/// Bert.MLNet.Tests' ReadmeTests). A block may use the names <see cref="Givens"/> declares without declaring them.
/// </summary>
public sealed partial class ReadmeBlocksTests
{
    // What the README's fragments take as given, as static members their own declarations may shadow.
    private const string Givens = """
        internal static class Given
        {
            public static MLContext ml => new();
            public static IDataView data => ml.Data.LoadFromEnumerable(new[] { new Review() });
            public static string[] texts => [];
            public static string text => string.Empty;
            public static string longText => string.Empty;
            public static long[] callerBuffer => new long[16];
            public static IProgress<EmbeddingProgress>? progress => null;
            public static CancellationToken cancellationToken => default;

            public sealed class Review
            {
                public string Label { get; set; } = string.Empty;

                public string Text { get; set; } = string.Empty;
            }

            public sealed class Prediction
            {
                public string PredictedLabel { get; set; } = string.Empty;
            }
        }
        """;

    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using Bert.MLNet;
        using Bert.MLNet.Featurization;
        using Bert.MLNet.Similarity;
        using Bert.MLNet.Tokenizers;
        using Microsoft.ML;
        using Microsoft.ML.Data;
        using static Given;
        """;

    [Fact]
    public void EveryCSharpBlockCompiles()
    {
        var readme = File.ReadAllText(Path.Combine(Bert.MLNet.Testing.RepositoryRoot.Path, "README.md")).ReplaceLineEndings("\n");
        var blocks = Block().Matches(readme).Select(m => m.Groups[1].Value).ToArray();
        Assert.True(blocks.Length >= 4, $"only {blocks.Length} C# blocks found");
        foreach (var block in blocks)
        {
            CSharpCheck.Compile($"{Usings}\n{block}\n{Givens}\n", OutputKind.ConsoleApplication);
        }
    }

    [GeneratedRegex(@"^```csharp\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Block();
}
