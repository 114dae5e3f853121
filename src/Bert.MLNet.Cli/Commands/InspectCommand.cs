using System.CommandLine;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet inspect</c>: what a model folder holds and what the library found in it.</summary>
internal static class InspectCommand
{
    internal static Command Create()
    {
        var model = ModelOption.Create();
        var command = new Command("inspect", "Show a model's inputs, outputs, hidden states, sizes and tokenizer settings.") { model };
        command.SetAction((result, _) => CommandErrors.Run(() => Run(result.GetValue(model)!, Console.Out)));
        return command;
    }

    internal static int Run(string path, TextWriter output)
    {
        using var model = BertModel.Load(path);
        var tokenizer = model.Tokenizer;
        var options = tokenizer.Options;
        output.WriteLine($"model            {model.Files.OnnxPath}");
        output.WriteLine($"producer         {model.Producer} (opset {model.Opset})");
        output.WriteLine($"onnx runtime     {OrtEnv.Instance().GetVersionString()} ({string.Join(", ", OrtEnv.Instance().GetAvailableProviders())})");
        output.WriteLine($"inputs           {string.Join(", ", model.SessionInputs.Select(Describe))}");
        output.WriteLine($"outputs          {string.Join(", ", model.SessionOutputs.Where(o => !o.Key.StartsWith("hidden_states.", StringComparison.Ordinal)).Select(Describe))}");
        output.WriteLine($"layers           {model.LayerCount} encoder layers, hidden size {model.HiddenSize}");
        output.WriteLine($"hidden states    {model.Layout.Tensors.Count} ({model.Layout.NormalizationKind}), exposed as hidden_states.0 .. hidden_states.{model.LayerCount}:");
        for (var i = 0; i < model.Layout.Tensors.Count; i++)
        {
            var node = model.Layout.NodeNames[i];
            output.WriteLine($"  {i,3}  {model.Layout.Tensors[i]}{(string.IsNullOrEmpty(node) ? string.Empty : $"  (node {node})")}");
        }

        output.WriteLine($"vocabulary       {tokenizer.VocabularySize} tokens ({model.Files.TokenizerPath}); embedding matrix {model.EmbeddingRows} rows");
        output.WriteLine($"max positions    {model.MaxPositions}");
        output.WriteLine($"tokenizer        lowercase {options.LowerCase}, strip accents {options.StripAccents ?? options.LowerCase}, " +
            $"chinese chars {options.TokenizeChineseChars}, clean text {options.CleanText}, max length {options.ModelMaxLength}");
        output.WriteLine($"special tokens   {options.ClassificationToken}={tokenizer.ClassificationId} {options.SeparatorToken}={tokenizer.SeparatorId} " +
            $"{options.PaddingToken}={tokenizer.PaddingId} {options.UnknownToken}={tokenizer.UnknownId}" +
            (tokenizer.MaskId is { } mask ? $" {options.MaskToken}={mask}" : string.Empty));
        return 0;
    }

    private static string Describe(KeyValuePair<string, NodeMetadata> node) =>
        $"{node.Key} {node.Value.ElementDataType.ToString().ToLowerInvariant()}[{string.Join(", ", node.Value.Dimensions.Select((d, i) => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : node.Value.SymbolicDimensions[i] is { Length: > 0 } name ? name : "?"))}]";
}
