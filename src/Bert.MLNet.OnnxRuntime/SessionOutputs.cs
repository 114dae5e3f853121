using Bert.MLNet.OnnxRuntime.Native;

namespace Bert.MLNet.OnnxRuntime;

/// <summary>
/// The output tensors of one run, in the order they were asked for, read in place from ONNX Runtime's memory.
/// Dispose to free them; spans from <see cref="GetFloats"/> are valid until then.
/// </summary>
public sealed unsafe class SessionOutputs : IDisposable
{
    private readonly OrtHandle[] values;
    private readonly long[][] shapes;
    private readonly TensorElementType[] types;

    internal SessionOutputs(IReadOnlyList<string> names, nint[] rawValues)
    {
        Names = names;
        var api = OrtLibrary.Api;
        values = new OrtHandle[rawValues.Length];
        for (var i = 0; i < rawValues.Length; i++)
        {
            values[i] = new OrtHandle(rawValues[i], api->ReleaseValue);
        }

        shapes = new long[rawValues.Length][];
        types = new TensorElementType[rawValues.Length];
        for (var i = 0; i < rawValues.Length; i++)
        {
            nint info;
            OrtStatus.Check(api->GetTensorTypeAndShape(rawValues[i], &info));
            try
            {
                (types[i], shapes[i], _) = InferenceSession.ReadTensorInfo(info);
            }
            finally
            {
                api->ReleaseTensorTypeAndShapeInfo(info);
            }
        }
    }

    /// <summary>The outputs' names, in order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The number of outputs.</summary>
    public int Count => values.Length;

    /// <summary>The shape of output <paramref name="index"/>.</summary>
    public IReadOnlyList<long> GetShape(int index) => shapes[index];

    /// <summary>The values of float output <paramref name="index"/>, row-major, without a copy.</summary>
    /// <exception cref="InvalidOperationException">The output is not a float tensor.</exception>
    public ReadOnlySpan<float> GetFloats(int index)
    {
        if (types[index] != TensorElementType.Float)
        {
            throw new InvalidOperationException($"Output '{Names[index]}' holds {types[index]} values, not Float.");
        }

        ObjectDisposedException.ThrowIf(values[index].IsClosed, this);
        var length = 1L;
        foreach (var dim in shapes[index])
        {
            length *= dim;
        }

        void* data;
        OrtStatus.Check(OrtLibrary.Api->GetTensorMutableData(values[index].DangerousGetHandle(), &data));
        return new ReadOnlySpan<float>(data, checked((int)length));
    }

    /// <summary>Frees the output tensors.</summary>
    public void Dispose()
    {
        foreach (var value in values)
        {
            value.Dispose();
        }
    }
}
