namespace Bert.MLNet.Cli.Commands;

/// <summary>The <c>--model</c> option every command that runs a BERT shares: a known name, a folder or an .onnx file.</summary>
internal static class ModelOption
{
    internal static System.CommandLine.Option<string> Create() => new("--model")
    {
        Description = $"Model name ({string.Join(", ", PretrainedModels.Names)}; see 'bert-mlnet models'), model folder, or an .onnx file with its vocabulary beside it.",
        DefaultValueFactory = _ => PretrainedModels.DefaultName,
    };
}
