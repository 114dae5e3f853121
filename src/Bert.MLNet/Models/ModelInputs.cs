using Bert.MLNet.Onnx;

namespace Bert.MLNet;

/// <summary>The standard BERT inputs a graph declares; a model without attention mask or token types just does not get them.</summary>
/// <param name="InputIds">The token-id input (required): <c>input_ids</c>.</param>
/// <param name="AttentionMask">The mask input, or null: <c>attention_mask</c>.</param>
/// <param name="TokenTypeIds">The segment input, or null: <c>token_type_ids</c>.</param>
public sealed record ModelInputs(string InputIds, string? AttentionMask, string? TokenTypeIds)
{
    internal static ModelInputs Detect(OnnxModel graph)
    {
        var inputs = graph.Inputs;
        var unknown = inputs.Where(i => i is not ("input_ids" or "attention_mask" or "token_type_ids")).ToArray();
        if (!inputs.Contains("input_ids") || unknown.Length > 0)
        {
            throw BertErrors.File(graph.Source,
                $"inputs are [{string.Join(", ", inputs)}]; expected input_ids and optionally attention_mask and token_type_ids (int64)" +
                (unknown.Length > 0 ? $", not {string.Join(", ", unknown)}." : "."));
        }

        return new ModelInputs("input_ids", inputs.Contains("attention_mask") ? "attention_mask" : null,
            inputs.Contains("token_type_ids") ? "token_type_ids" : null);
    }
}
