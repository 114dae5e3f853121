using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Bert.MLNet.Cli.Tests;

/// <summary>Compiles C# with Roslyn against the assemblies the tests run with, as a program referencing Bert.MLNet and ML.NET would.</summary>
internal static class CSharpCheck
{
    /// <summary>The compiled assembly; fails the test on any error or warning, listing them.</summary>
    internal static Assembly Compile(string code, OutputKind kind)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "Microsoft.ML*.dll"))
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "Bert.MLNet*.dll"))
            .Distinct()
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Checked", [CSharpSyntaxTree.ParseText(code)], references,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join('\n', emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)) + "\n" + code);
        Assert.Empty(emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning));
        return Assembly.Load(stream.ToArray());
    }
}
