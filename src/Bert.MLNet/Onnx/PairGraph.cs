using System.Numerics.Tensors;
using Google.Protobuf;

namespace Bert.MLNet.Onnx;

/// <summary>
/// The graph behind <see cref="PairFeaturesTransformer"/>: two float vectors u and v of one length d in, one vector
/// of length 4d + 1 out, <c>[u, v, |u − v|, u ∘ v, cos(u, v)]</c> — the features of a sentence pair that
/// Sentence-BERT's classifier and ML.NET's SentenceSimilarity-style regressors read. The cosine of a zero vector is 0.
/// </summary>
internal static class PairGraph
{
    private const int FloatType = 1;
    private const int Int64Type = 7;

    /// <summary>Whatever the norms' product is below, the cosine divides by this instead.</summary>
    internal const float NormFloor = 1e-12f;

    /// <summary>The graph's bytes; its inputs and output are named as the columns they come from and go to.</summary>
    internal static byte[] Build(int width, string first, string second, string output)
    {
        var graph = new GraphProto { Name = "bert_mlnet_pair_features" };
        var counter = 0;
        string Node(string op, params string[] inputs)
        {
            var name = $"bert_mlnet/pair/{counter++}";
            graph.Node.Add(new NodeProto { OpType = op, Name = name, Input = { inputs }, Output = { name } });
            return name;
        }

        graph.Initializer.Add(new TensorProto { Name = "axis0", DataType = Int64Type, Dims = { 1 }, Int64Data = { 0 } });
        graph.Initializer.Add(new TensorProto { Name = "floor", DataType = FloatType, FloatData = { NormFloor } });
        string Sum(string vector) => Node("ReduceSum", vector, "axis0");

        var difference = Node("Abs", Node("Sub", first, second));
        var product = Node("Mul", first, second);
        var norms = Node("Mul", Node("Sqrt", Sum(Node("Mul", first, first))), Node("Sqrt", Sum(Node("Mul", second, second))));
        var cosine = Node("Div", Sum(product), Node("Max", norms, "floor"));
        var concat = new NodeProto
        {
            OpType = "Concat", Name = "bert_mlnet/pair/concat", Input = { first, second, difference, product, cosine }, Output = { output },
            Attribute = { new AttributeProto { Name = "axis", I = 0, Type = 2 } },
        };
        graph.Node.Add(concat);
        graph.Input.Add(Vector(first, width));
        graph.Input.Add(Vector(second, width));
        graph.Output.Add(Vector(output, (4L * width) + 1));
        var model = new ModelProto
        {
            IrVersion = 8, ProducerName = "Bert.MLNet", Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Domain = string.Empty, Version = 17 } },
        };
        return model.ToByteArray();
    }

    /// <summary>The same features computed in C#, for the sweep's in-memory folds: <paramref name="output"/> holds 4d + 1 values.</summary>
    internal static void Compute(ReadOnlySpan<float> first, ReadOnlySpan<float> second, Span<float> output)
    {
        var width = first.Length;
        first.CopyTo(output);
        second.CopyTo(output[width..]);
        var difference = output.Slice(2 * width, width);
        TensorPrimitives.Subtract(first, second, difference);
        TensorPrimitives.Abs(difference, difference);
        TensorPrimitives.Multiply(first, second, output.Slice(3 * width, width));
        var norms = MathF.Sqrt(TensorPrimitives.Dot(first, first)) * MathF.Sqrt(TensorPrimitives.Dot(second, second));
        output[4 * width] = TensorPrimitives.Dot(first, second) / MathF.Max(norms, NormFloor);
    }

    private static ValueInfoProto Vector(string name, long length) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = length } } } },
        },
    };
}
