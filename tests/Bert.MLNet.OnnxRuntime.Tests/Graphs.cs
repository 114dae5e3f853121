using Bert.MLNet.OnnxRuntime.Onnx;
using Google.Protobuf;

namespace Bert.MLNet.OnnxRuntime.Tests;

/// <summary>Small ONNX graphs built in code, with results computable by hand.</summary>
internal static class Graphs
{
    /// <summary>y = Cast&lt;float&gt;(a + b) for int64 a, b of shape [rows, columns].</summary>
    internal static byte[] AddThenCast() => Model(
        [
            new NodeProto { OpType = "Add", Input = { "a", "b" }, Output = { "sum" } },
            new NodeProto { OpType = "Cast", Input = { "sum" }, Output = { "y" }, Attribute = { new AttributeProto { Name = "to", I = 1, Type = 2 } } },
        ],
        [Tensor("a", 7), Tensor("b", 7)],
        [Tensor("y", 1)]);

    internal static byte[] Model(NodeProto[] nodes, ValueInfoProto[] inputs, ValueInfoProto[] outputs) => new ModelProto
    {
        IrVersion = 8,
        ProducerName = "bert-mlnet-tests",
        OpsetImport = { new OperatorSetIdProto { Domain = string.Empty, Version = 14 } },
        Graph = new GraphProto { Name = "test", Node = { nodes }, Input = { inputs }, Output = { outputs } },
    }.ToByteArray();

    internal static ValueInfoProto Tensor(string name, int elementType) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = elementType,
                Shape = new TensorShapeProto
                {
                    Dim = { new TensorShapeProto.Types.Dimension { DimParam = "rows" }, new TensorShapeProto.Types.Dimension { DimValue = 3 } },
                },
            },
        },
    };
}
