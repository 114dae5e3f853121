namespace Bert.MLNet.Cli.Commands;

/// <summary>The <c>--precision</c> option of the commands that run a BERT: <c>fp32</c> (default) or <c>int8</c>, the names files record too.</summary>
internal static class PrecisionOption
{
    internal static readonly (string Name, Precision Value)[] Choices = [("fp32", Precision.Float32), ("int8", Precision.Int8)];

    internal static System.CommandLine.Option<string> Create() => new("--precision")
    {
        Description = "fp32 (the model as exported) or int8 (weights quantized: faster, vectors within about 0.99 cosine).",
        DefaultValueFactory = _ => "fp32",
    };

    internal static Precision Parse(string text) => EmbedCommand.Choice(text, "--precision", Choices);

    internal static string Name(Precision precision) => Choices.Single(c => c.Value == precision).Name;
}
