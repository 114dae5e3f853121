namespace Bert.MLNet.OnnxRuntime;

/// <summary>A session input or output as the model declares it.</summary>
/// <param name="Name">The tensor's name in the graph.</param>
/// <param name="ElementType">The element type.</param>
/// <param name="Dimensions">Each dimension's size; -1 where it is dynamic.</param>
/// <param name="SymbolicDimensions">Each dynamic dimension's name (for example <c>batch_size</c>); empty where fixed or unnamed.</param>
public sealed record TensorMetadata(string Name, TensorElementType ElementType, IReadOnlyList<long> Dimensions, IReadOnlyList<string> SymbolicDimensions)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {ElementType}[{string.Join(", ", Dimensions.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]";
}

/// <summary>ONNX tensor element types (TensorProto.DataType); the ones BERT models use are named.</summary>
public enum TensorElementType
{
    /// <summary>Not a tensor, or not known.</summary>
    Undefined = 0,

    /// <summary>32-bit float.</summary>
    Float = 1,

    /// <summary>8-bit unsigned integer.</summary>
    UInt8 = 2,

    /// <summary>8-bit signed integer.</summary>
    Int8 = 3,

    /// <summary>32-bit signed integer.</summary>
    Int32 = 6,

    /// <summary>64-bit signed integer.</summary>
    Int64 = 7,

    /// <summary>Boolean.</summary>
    Bool = 9,

    /// <summary>16-bit float.</summary>
    Float16 = 10,
}
