namespace Bert.MLNet.OnnxRuntime;

/// <summary>
/// An int64 input tensor over caller memory, which ONNX Runtime reads in place (no copy) for the duration of
/// one <see cref="InferenceSession.Run"/>. <paramref name="Shape"/>'s product must equal the data's length.
/// </summary>
/// <param name="Name">The model input's name.</param>
/// <param name="Data">The values, row-major.</param>
/// <param name="Shape">The tensor's shape, for example <c>[batch, sequence]</c>.</param>
public readonly record struct TensorInput(string Name, ReadOnlyMemory<long> Data, long[] Shape);
