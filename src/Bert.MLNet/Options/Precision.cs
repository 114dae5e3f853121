namespace Bert.MLNet;

/// <summary>The arithmetic a model's weight matrix products run in.</summary>
public enum Precision
{
    /// <summary>32-bit floats throughout: the model exactly as exported. The default.</summary>
    Float32,

    /// <summary>
    /// Dynamic int8: the weights of every matrix product are stored as 8-bit integers with one scale per output column,
    /// and each product's input is quantized to 8 bits as it runs (ONNX Runtime's <c>DynamicQuantizeMatMul</c>).
    /// Embeddings, normalization, softmax and pooling stay in 32-bit floats. Those weights take a quarter of their float
    /// size; all-MiniLM-L6-v2 ran 1.7–1.9× faster on an AVX2 CPU (CPUs with VNNI or AMX have faster 8-bit kernels), with
    /// vectors at a mean cosine of 0.99 to <see cref="Float32"/>'s.
    /// </summary>
    Int8,
}
