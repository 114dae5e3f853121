namespace Bert.MLNet;

/// <summary>The arithmetic a model's weight matrix products run in.</summary>
public enum Precision
{
    /// <summary>32-bit floats throughout: the model exactly as exported. The default.</summary>
    Float32,

    /// <summary>
    /// Dynamic int8: the weights of every matrix product are stored as 8-bit integers with one scale per output column,
    /// and each product's input is quantized to 8 bits as it runs (ONNX Runtime's <c>DynamicQuantizeMatMul</c>).
    /// Embeddings, normalization, softmax and pooling stay in 32-bit floats. Faster on CPUs with 8-bit dot-product
    /// instructions (x64 VNNI or AMX, Arm dot product) and about a quarter of the weights' size; vectors differ
    /// slightly from <see cref="Float32"/>'s (cosine about 0.99).
    /// </summary>
    Int8,
}
