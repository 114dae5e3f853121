namespace Bert.MLNet.Cli;

/// <summary>The bundled pretrained model (models/bert-l4-h128-uncased), which the build copies beside the tool: the default --model.</summary>
internal static class BundledModel
{
    internal static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "models", "bert-l4-h128-uncased");
}
