using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Google.Protobuf;

namespace Bert.MLNet.Onnx;

/// <summary>
/// Rewrites a graph's weight matrix products into dynamically quantized int8 ones, as ONNX Runtime's Python
/// <c>quantize_dynamic</c> does but in C#: each <c>MatMul</c> of an activation by a 2-D float weight becomes a
/// <c>com.microsoft</c> <c>DynamicQuantizeMatMul</c> with the weight stored as symmetric int8 (zero point 0) and the
/// bias <c>Add</c> that follows it, if any, folded into the operator. The activation is quantized to uint8 as the
/// graph runs. Everything else (embedding lookups, normalization, softmax, activations, pooling) stays float.
/// </summary>
internal static class WeightQuantizer
{
    private const int FloatType = 1;
    private const int Int8Type = 3;
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// True when 8-bit products could saturate on this CPU: x64 without VNNI, where ONNX Runtime's uint8 × int8 kernel
    /// adds pairs of products in 16 bits. Weights are then kept in 7 bits (−63..63), as <c>quantize_dynamic</c>'s
    /// <c>reduce_range</c> does. CPUs with AVX-512 VNNI, AVX-VNNI or AMX (and Arm) accumulate in 32 bits and get all 8.
    /// </summary>
    internal static bool NeedsReducedRange =>
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 && !HasVnni;

    /// <summary>Whether this x64 CPU has AVX-VNNI or AVX-512 VNNI (CPUID leaf 7, ECX bit 11).</summary>
    internal static bool HasVnni => AvxVnni.IsSupported || (X86Base.IsSupported && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0);

    /// <summary>Quantizes the graph's weight products in place, in the range this CPU needs (<see cref="NeedsReducedRange"/>).</summary>
    internal static int Quantize(OnnxModel model) => Quantize(model, NeedsReducedRange);

    /// <summary>
    /// Quantizes the graph's weight products in place and returns how many were rewritten. A weight that something
    /// else also reads stays as well, in float, for that reader.
    /// </summary>
    internal static int Quantize(OnnxModel model, bool reducedRange)
    {
        var graph = model.Graph;
        var weights = graph.Initializer.Where(t => t.DataType == FloatType).ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var input in graph.Input)
        {
            weights.Remove(input.Name); // a weight listed as a graph input can be replaced by the caller
        }

        var readers = Readers(graph);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var limit = reducedRange ? 63f : 127f;
        var rewritten = 0;
        var removed = new HashSet<NodeProto>();
        var nodes = graph.Node.ToArray();
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            if (node.OpType != "MatMul" || !string.IsNullOrEmpty(node.Domain) || node.Input.Count != 2
                || !weights.TryGetValue(node.Input[1], out var weight) || weight.Dims.Count != 2)
            {
                continue;
            }

            var (k, n) = ((int)weight.Dims[0], (int)weight.Dims[1]);
            var (values, scales) = QuantizeColumns(Floats(weight, model.Source), k, n, limit);
            var prefix = $"bert_mlnet/int8/{rewritten}/";
            graph.Initializer.Add(new TensorProto { Name = prefix + "weight", DataType = Int8Type, Dims = { k, n }, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) });
            graph.Initializer.Add(new TensorProto { Name = prefix + "scale", DataType = FloatType, Dims = { n }, FloatData = { scales } });

            var output = node.Output[0];
            var bias = "";
            if (!outputs.Contains(output) && readers.TryGetValue(output, out var users) && users is [var add]
                && add.OpType == "Add" && string.IsNullOrEmpty(add.Domain) && add.Input.Count == 2)
            {
                var other = add.Input[0] == output ? add.Input[1] : add.Input[0];
                if (weights.TryGetValue(other, out var b) && b.Dims is [var length] && length == n)
                {
                    bias = other;
                    output = add.Output[0];
                    removed.Add(add);
                }
            }

            var quantized = new NodeProto
            {
                OpType = "DynamicQuantizeMatMul",
                Domain = MicrosoftDomain,
                Name = prefix + (string.IsNullOrEmpty(node.Name) ? "MatMul" : node.Name),
                Input = { node.Input[0], prefix + "weight", prefix + "scale" },
                Output = { output },
            };
            if (bias.Length > 0)
            {
                quantized.Input.Add(""); // no zero point: the weights are symmetric
                quantized.Input.Add(bias);
            }

            graph.Node[graph.Node.IndexOf(node)] = quantized;
            rewritten++;
        }

        foreach (var add in removed)
        {
            graph.Node.Remove(add);
        }

        RemoveUnreadWeights(graph);
        if (rewritten > 0 && !model.OpsetImports.Any(o => o.Domain == MicrosoftDomain))
        {
            model.OpsetImports.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        return rewritten;
    }

    // One scale per output column (the largest magnitude in the column over the limit), values rounded half to even.
    private static (sbyte[] Values, float[] Scales) QuantizeColumns(ReadOnlySpan<float> weight, int k, int n, float limit)
    {
        var scales = new float[n];
        for (var r = 0; r < k; r++)
        {
            var row = weight.Slice(r * n, n);
            for (var c = 0; c < n; c++)
            {
                scales[c] = MathF.Max(scales[c], MathF.Abs(row[c]));
            }
        }

        for (var c = 0; c < n; c++)
        {
            scales[c] = scales[c] > 0 ? scales[c] / limit : 1f;
        }

        var values = new sbyte[k * n];
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < n; c++)
            {
                values[r * n + c] = (sbyte)Math.Clamp(MathF.Round(weight[r * n + c] / scales[c], MidpointRounding.ToEven), -limit, limit);
            }
        }

        return (values, scales);
    }

    private static float[] Floats(TensorProto tensor, string source)
    {
        var count = checked((int)(tensor.Dims[0] * tensor.Dims[1]));
        if (tensor.FloatData.Count == count)
        {
            return [.. tensor.FloatData];
        }

        if (tensor.RawData.Length == count * sizeof(float))
        {
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }

        throw BertErrors.File(source,$"weight '{tensor.Name}' has dimensions [{string.Join(", ", tensor.Dims)}] but holds {Math.Max(tensor.FloatData.Count, tensor.RawData.Length / sizeof(float))} values.");
    }

    private static Dictionary<string, List<NodeProto>> Readers(GraphProto graph)
    {
        var readers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!readers.TryGetValue(input, out var list))
                {
                    readers[input] = list = [];
                }

                list.Add(node);
            }
        }

        return readers;
    }

    private static void RemoveUnreadWeights(GraphProto graph)
    {
        var read = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).Concat(graph.Input.Select(i => i.Name))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var weight in graph.Initializer.Where(t => !read.Contains(t.Name)).ToArray())
        {
            graph.Initializer.Remove(weight);
        }
    }
}
