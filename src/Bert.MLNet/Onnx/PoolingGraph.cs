using System.Text.Json;
using System.Text.Json.Serialization;
using Bert.MLNet.Options;

namespace Bert.MLNet.Onnx;

/// <summary>
/// Builds the graph a saved model runs through ML.NET's OnnxTransformer: the model with pooling, window merging,
/// layer combination and normalization added as ONNX operators, so that each output is a float vector of known
/// length. One text per run: its inputs are <c>[1, sequence]</c>; with windows, the windows of one text lie end to
/// end (each padded to the same length) and a <c>[1]</c> input gives that length. The result equals
/// <see cref="BertModel.Embed"/>'s for the same options (within float rounding). The graph describes itself in its
/// metadata (<see cref="PooledGraphInfo"/>), so that <see cref="Unpool"/> can take the hidden-state graph back out of
/// a saved model and run it in batches.
/// </summary>
internal sealed class PoolingGraph
{
    /// <summary>The metadata key of the <see cref="PooledGraphInfo"/> a pooled graph carries.</summary>
    internal const string InfoKey = "bert-mlnet/pooled-graph";

    private static readonly JsonSerializerOptions InfoJson = new() { Converters = { new JsonStringEnumConverter() } };

    private const int FloatType = 1;
    private const int Int64Type = 7;
    private const int BoolType = 9;
    private const string MaskName = "bert_mlnet/attention_mask";

    private readonly GraphProto graph;
    private readonly long opset;
    private int counter;
    private string maskName = MaskName;

    private PoolingGraph(OnnxModel model)
    {
        graph = model.Graph;
        opset = model.Opset;
    }

    /// <summary>The names of the graph's inputs; null for an input the model does not take.</summary>
    internal sealed record InputNames(string InputIds, string AttentionMask, string? TokenTypeIds, string? WindowLength);

    /// <summary>
    /// Returns the pooled graph's bytes, in the plan's precision. <paramref name="outputs"/> names the output vectors:
    /// one, or one per layer with <see cref="LayerCombination.Separate"/>.
    /// </summary>
    internal static byte[] Build(BertModel model, PoolingPlan plan, InputNames names, IReadOnlyList<string> outputs)
    {
        var onnx = OnnxModel.FromBytes(model.Graph.ToBytes(), model.Files.OnnxPath);
        var builder = new PoolingGraph(onnx);
        builder.Rewire(model, names);
        builder.AddPooling(model, plan, outputs);
        builder.RemoveUnusedNodes();
        var info = new PooledGraphInfo(PooledGraphInfo.CurrentFormat, plan, model.HiddenSize, [.. plan.Layers.Select(model.HiddenStateOutput)], names, outputs);
        onnx.Metadata.Add(new StringStringEntryProto { Key = InfoKey, Value = JsonSerializer.Serialize(info, InfoJson) });
        if (plan.Precision == Precision.Int8)
        {
            WeightQuantizer.Quantize(onnx);
        }

        return onnx.ToBytes();
    }

    /// <summary>
    /// The hidden-state graph inside a pooled graph: the pooling removed, the hidden states the plan reads as outputs
    /// (<c>[batch, sequence, hidden]</c>), and the inputs taking a batch of texts (<c>[batch, sequence]</c>, one segment per
    /// row, windows as rows of their own). Null for a graph without our description: one built by an earlier version,
    /// or by someone else.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model, or its description is malformed (the message names <paramref name="source"/>).</exception>
    internal static (OnnxModel Graph, PooledGraphInfo Info)? Unpool(ReadOnlySpan<byte> pooled, string source)
    {
        var onnx = OnnxModel.FromBytes(pooled, source);
        if (onnx.Metadata.FirstOrDefault(m => m.Key == InfoKey) is not { } entry)
        {
            return null;
        }

        PooledGraphInfo info;
        try
        {
            info = JsonSerializer.Deserialize<PooledGraphInfo>(entry.Value, InfoJson) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw BertErrors.File(source, $"the pooled graph's description ({InfoKey}) is malformed ({e.Message}); the model file may be damaged.", e);
        }

        if (info.Format != PooledGraphInfo.CurrentFormat)
        {
            return null;
        }

        var graph = onnx.Graph;
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        if (info.Plan.Layers.Count != info.HiddenStates.Count)
        {
            throw BertErrors.File(source, $"the pooled graph's description has {info.Plan.Layers.Count} layers but {info.HiddenStates.Count} hidden states; the model file may be damaged.");
        }

        if (info.HiddenStates.FirstOrDefault(h => !produced.Contains(h)) is { } missing)
        {
            throw BertErrors.File(source, $"the pooled graph's description names hidden state '{missing}', which no node produces; the model file may be damaged.");
        }

        string[] columns = [info.Inputs.InputIds, info.Inputs.AttentionMask, .. info.Inputs.TokenTypeIds is { } types ? [types] : Array.Empty<string>()];
        foreach (var input in graph.Input.Where(i => columns.Contains(i.Name)))
        {
            input.Type = TensorType(Int64Type, [new TensorShapeProto.Types.Dimension { DimParam = "batch" }, new TensorShapeProto.Types.Dimension { DimParam = "sequence" }]);
        }

        // Windows become rows of their own: the input reshape to [windows, length] becomes a copy.
        if (info.Inputs.WindowLength is { } windowLength)
        {
            graph.Input.Remove(graph.Input.Single(i => i.Name == windowLength));
            foreach (var node in graph.Node.Where(n => n.OpType == "Reshape" && n.Input.Count == 2 && columns.Contains(n.Input[0])))
            {
                node.OpType = "Identity";
                node.Input.RemoveAt(1);
            }
        }

        graph.Output.Clear();
        foreach (var hidden in info.HiddenStates.Distinct())
        {
            graph.Output.Add(new ValueInfoProto
            {
                Name = hidden,
                Type = TensorType(FloatType, [new() { DimParam = "batch" }, new() { DimParam = "sequence" }, Dim(info.HiddenSize)]),
            });
        }

        new PoolingGraph(onnx).RemoveUnusedNodes();
        return (onnx, info);
    }

    // Drops what no output needs: the pooler, the other hidden states' copies. A hidden state that something
    // still reads keeps ONNX Runtime from fusing the normalization that makes it, so the unused ones must go.
    private void RemoveUnusedNodes()
    {
        var needed = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var keep = new bool[graph.Node.Count];
        for (var i = graph.Node.Count - 1; i >= 0; i--)
        {
            var node = graph.Node[i];
            if (node.Output.Any(needed.Contains))
            {
                keep[i] = true;
                needed.UnionWith(node.Input);
            }
        }

        var kept = graph.Node.Where((_, i) => keep[i]).ToArray();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        // Old exporters also list weights as graph inputs; those stay, or they would become required inputs.
        var declared = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var unusedWeights = graph.Initializer.Where(t => !needed.Contains(t.Name) && !declared.Contains(t.Name)).ToArray();
        foreach (var weight in unusedWeights)
        {
            graph.Initializer.Remove(weight);
        }
    }

    // Replaces the model's [batch, sequence] inputs with one text's [1, sequence] inputs (reshaped to
    // [windows, length] when windows are on) and drops every existing output.
    private void Rewire(BertModel model, InputNames names)
    {
        var modelInputs = new List<(string Original, string Column)> { (model.Inputs.InputIds, names.InputIds) };
        if (model.Inputs.AttentionMask is { } mask)
        {
            modelInputs.Add((mask, names.AttentionMask));
        }

        if (model.Inputs.TokenTypeIds is { } types)
        {
            modelInputs.Add((types, names.TokenTypeIds ?? throw BertErrors.Invalid(null, "The model takes token_type_ids but no column was named for them.")));
        }

        var modelNodes = graph.Node.Count;
        var originals = modelInputs.Select(i => i.Original).ToHashSet(StringComparer.Ordinal);
        for (var i = graph.Input.Count - 1; i >= 0; i--)
        {
            if (originals.Contains(graph.Input[i].Name))
            {
                graph.Input.RemoveAt(i);
            }
        }

        graph.Output.Clear();
        graph.Input.Add(Int64Input(names.InputIds));
        graph.Input.Add(Int64Input(names.AttentionMask));
        if (names.TokenTypeIds is { } typeColumn && model.Inputs.TokenTypeIds is not null)
        {
            graph.Input.Add(Int64Input(typeColumn));
        }

        string? windowShape = null;
        if (names.WindowLength is { } windowLength)
        {
            graph.Input.Add(new ValueInfoProto { Name = windowLength, Type = TensorType(Int64Type, [Dim(1)]) });
            windowShape = Node("Concat", [Int64s([-1]), windowLength], [Attribute("axis", 0)]);
        }

        // The pooling below reads the mask in the model's layout; a model without a mask input still gets one.
        if (model.Inputs.AttentionMask is null)
        {
            modelInputs.Add((MaskName, names.AttentionMask));
        }

        // The model reads its inputs under internal names, so the new inputs may reuse the standard ones.
        foreach (var (original, column) in modelInputs)
        {
            var inner = "bert_mlnet/input/" + original;
            foreach (var node in graph.Node)
            {
                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == original)
                    {
                        node.Input[i] = inner;
                    }
                }
            }

            graph.Node.Add(windowShape is null
                ? new NodeProto { OpType = "Identity", Name = NodeName(), Input = { column }, Output = { inner } }
                : new NodeProto { OpType = "Reshape", Name = NodeName(), Input = { column, windowShape }, Output = { inner } });
        }

        maskName = "bert_mlnet/input/" + (model.Inputs.AttentionMask ?? MaskName);

        // ONNX lists nodes in topological order: the input nodes go first.
        var added = graph.Node.Skip(modelNodes).ToArray();
        for (var i = 0; i < added.Length; i++)
        {
            graph.Node.RemoveAt(graph.Node.Count - 1);
        }

        for (var i = added.Length - 1; i >= 0; i--)
        {
            graph.Node.Insert(0, added[i]);
        }
    }

    private void AddPooling(BertModel model, PoolingPlan plan, IReadOnlyList<string> outputs)
    {
        var maskFloat = Node("Cast", [maskName], [Attribute("to", FloatType)]);             // [W, L]
        var tokens = ReduceSum(maskFloat, 1, keepDims: true);                                // [W, 1]
        var mask3 = Unsqueeze(maskFloat, 2);                                                 // [W, L, 1]
        var totalTokens = ReduceSum(tokens, 0, keepDims: true);                              // [1, 1]

        var pooled = new Dictionary<int, string>();
        foreach (var layer in plan.Layers.Distinct())
        {
            var states = model.HiddenStateOutput(layer);                                     // [W, L, H]
            pooled[layer] = plan.Pooling switch
            {
                Pooling.Cls => WeightedMerge(Node("Gather", [states, Int64Scalar(0)], [Attribute("axis", 1)]), tokens, totalTokens),
                Pooling.Max => ReduceMax(ReduceMax(Node("Where", [Node("Cast", [mask3], [Attribute("to", BoolType)]), states, Float(-float.MaxValue)]), 1, keepDims: false), 0, keepDims: true),
                Pooling.MeanSqrtLen => WeightedMerge(Node("Div", [ReduceSum(Node("Mul", [states, mask3]), 1, keepDims: false), Node("Sqrt", [tokens])]), tokens, totalTokens),
                _ => Node("Div", [ReduceSum(ReduceSum(Node("Mul", [states, mask3]), 1, keepDims: false), 0, keepDims: true), totalTokens]),
            };                                                                               // [1, H]
        }

        var vectors = plan.Layers.Select(l => pooled[l]).ToArray();
        var width = model.HiddenSize;
        switch (plan.Combine)
        {
            case LayerCombination.Separate:
                for (var i = 0; i < vectors.Length; i++)
                {
                    AddOutput(vectors[i], outputs[i], width, plan.Normalize);
                }

                return;
            case LayerCombination.Concat:
                AddOutput(vectors.Length == 1 ? vectors[0] : Node("Concat", vectors, [Attribute("axis", 1)]), outputs[0], width * vectors.Length, plan.Normalize);
                return;
            case LayerCombination.Mean:
                AddOutput(Node("Div", [Sum(vectors), Float(vectors.Length)]), outputs[0], width, plan.Normalize);
                return;
            case LayerCombination.Weighted:
                AddOutput(Sum([.. vectors.Select((v, i) => Node("Mul", [v, Float(plan.Weights![i])]))]), outputs[0], width, plan.Normalize);
                return;
        }
    }

    // Merges per-window vectors [W, H] into one [1, H]: their mean weighted by each window's token count.
    private string WeightedMerge(string perWindow, string tokens, string totalTokens) =>
        Node("Div", [ReduceSum(Node("Mul", [perWindow, tokens]), 0, keepDims: true), totalTokens]);

    private string Sum(string[] vectors) => vectors.Length == 1 ? vectors[0] : Node("Sum", vectors);

    private void AddOutput(string vector, string name, long size, bool normalize)
    {
        if (normalize)
        {
            var norm = Node("Sqrt", [ReduceSum(Node("Mul", [vector, vector]), 1, keepDims: true)]);
            vector = Node("Div", [vector, Node("Max", [norm, Float(1e-30f)])]);
        }

        graph.Node.Add(new NodeProto { OpType = "Reshape", Name = NodeName(), Input = { vector, Int64s([size]) }, Output = { name } });
        graph.Output.Add(new ValueInfoProto { Name = name, Type = TensorType(FloatType, [Dim(size)]) });
    }

    private string ReduceSum(string input, long axis, bool keepDims) => opset >= 13
        ? Node("ReduceSum", [input, Int64s([axis])], [Attribute("keepdims", keepDims ? 1 : 0)])
        : Node("ReduceSum", [input], [Attribute("keepdims", keepDims ? 1 : 0), Attribute("axes", [axis])]);

    private string ReduceMax(string input, long axis, bool keepDims) => opset >= 18
        ? Node("ReduceMax", [input, Int64s([axis])], [Attribute("keepdims", keepDims ? 1 : 0)])
        : Node("ReduceMax", [input], [Attribute("keepdims", keepDims ? 1 : 0), Attribute("axes", [axis])]);

    private string Unsqueeze(string input, long axis) => opset >= 13
        ? Node("Unsqueeze", [input, Int64s([axis])])
        : Node("Unsqueeze", [input], [Attribute("axes", [axis])]);

    private string Node(string op, string[] inputs, AttributeProto[]? attributes = null)
    {
        var name = NodeName();
        var node = new NodeProto { OpType = op, Name = name, Input = { inputs }, Output = { name } };
        if (attributes is not null)
        {
            node.Attribute.AddRange(attributes);
        }

        graph.Node.Add(node);
        return name;
    }

    private string NodeName() => $"bert_mlnet/pool/{counter++}";

    private string Float(float value)
    {
        var name = NodeName();
        graph.Initializer.Add(new TensorProto { Name = name, DataType = FloatType, FloatData = { value } });
        return name;
    }

    private string Int64s(long[] values)
    {
        var name = NodeName();
        graph.Initializer.Add(new TensorProto { Name = name, DataType = Int64Type, Dims = { values.Length }, Int64Data = { values } });
        return name;
    }

    private string Int64Scalar(long value)
    {
        var name = NodeName();
        graph.Initializer.Add(new TensorProto { Name = name, DataType = Int64Type, Int64Data = { value } });
        return name;
    }

    private static AttributeProto Attribute(string name, long value) => new() { Name = name, I = value, Type = 2 };

    private static AttributeProto Attribute(string name, long[] values) => new() { Name = name, Ints = { values }, Type = 7 };

    private static ValueInfoProto Int64Input(string name) =>
        new() { Name = name, Type = TensorType(Int64Type, [Dim(1), new TensorShapeProto.Types.Dimension { DimParam = "sequence" }]) };

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static TypeProto TensorType(int elementType, TensorShapeProto.Types.Dimension[] dims) =>
        new() { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = new TensorShapeProto { Dim = { dims } } } };
}

/// <summary>
/// What a pooled graph says about itself in its metadata: its plan, the hidden-state tensors the plan pools (one per
/// plan layer, in order), its input names and its outputs. Saved models carry it inside the graph, so a loaded model
/// can be run in batches (<see cref="PoolingGraph.Unpool"/>).
/// </summary>
internal sealed record PooledGraphInfo(int Format, PoolingPlan Plan, int HiddenSize, IReadOnlyList<string> HiddenStates,
    PoolingGraph.InputNames Inputs, IReadOnlyList<string> Outputs)
{
    /// <summary>The description's version; a graph with another is left to run one text at a time.</summary>
    internal const int CurrentFormat = 1;
}
