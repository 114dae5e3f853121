namespace Bert.MLNet;

/// <summary>
/// Where a BERT-family graph keeps its hidden states, in Hugging Face's <c>hidden_states</c> order: index 0 is
/// the embeddings' output, index i the output of encoder layer i.
/// </summary>
/// <param name="Tensors">The graph tensor holding each hidden state.</param>
/// <param name="NodeNames">The name of the node producing each (module paths such as <c>/encoder/layer.0/output/LayerNorm/Add_1</c> in PyTorch exports), for display.</param>
/// <param name="NormalizationKind">How the normalizations are written in the graph.</param>
/// <param name="HiddenSize">The hidden size read from the normalization's scale, or 0 when not known.</param>
public sealed record HiddenStateLayout(IReadOnlyList<string> Tensors, IReadOnlyList<string> NodeNames, string NormalizationKind, long HiddenSize)
{
    /// <summary>The number of encoder layers (hidden states minus the embeddings).</summary>
    public int LayerCount => Tensors.Count - 1;
}
