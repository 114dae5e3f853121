using System.IO.Compression;
using System.Numerics.Tensors;
using System.Text;
using Bert.MLNet.Onnx;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet.Tests;

/// <summary>
/// Int8 by our own graph rewrite: the rewrite against hand-computed products, real models against their float selves,
/// the saved model carrying the int8 graph, and ONNX Runtime's fusions on every graph we edit (counted in the graph it
/// optimizes), float and int8.
/// </summary>
public sealed class PrecisionTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheRewriteQuantizesEachWeightColumnAndOnnxRuntimeComputesTheProduct(bool reducedRange)
    {
        // y = x·W + b with W [3, 4]: one MatMul of an input by a weight, and its bias Add.
        float[] w = [0.5f, -1.0f, 0.25f, 2.0f, -0.3f, 0.7f, 0.0f, -4.0f, 0.1f, 0.2f, -0.125f, 1.0f];
        float[] b = [0.1f, -0.2f, 0.3f, 0.0f];
        var model = OnnxModel.FromBytes(LinearGraph(w, b), "linear");

        Assert.Equal(1, WeightQuantizer.Quantize(model, reducedRange));
        Assert.Equal(new Dictionary<string, int> { ["DynamicQuantizeMatMul"] = 1 }, model.OperatorCounts);
        var limit = reducedRange ? 63 : 127;
        var weight = model.Graph.Initializer.Single(t => t.DataType == 3);
        var scale = model.Graph.Initializer.Single(t => t.Name.EndsWith("/scale", StringComparison.Ordinal));
        var values = weight.RawData.ToByteArray().Select(v => (sbyte)v).ToArray();
        for (var c = 0; c < 4; c++)
        {
            // One scale per output column: the column's largest magnitude maps to the limit, the rest round to nearest.
            var max = Enumerable.Range(0, 3).Max(r => Math.Abs(w[r * 4 + c]));
            Assert.Equal(max / limit, scale.FloatData[c], 6);
            for (var r = 0; r < 3; r++)
            {
                Assert.Equal((sbyte)Math.Round(w[r * 4 + c] / (max / limit), MidpointRounding.ToEven), values[r * 4 + c]);
            }
        }

        float[] x = [1.0f, 2.0f, -0.5f, 0.0f, 0.3f, -1.5f];
        using var session = new InferenceSession(model.ToBytes());
        using var input = OrtValue.CreateTensorValueFromMemory(x, [2, 3]);
        using var outputs = session.Run(new RunOptions(), ["x"], [input], ["y"]);
        var y = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        for (var r = 0; r < 2; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                var exact = b[c] + Enumerable.Range(0, 3).Sum(k => (double)x[r * 3 + k] * w[k * 4 + c]);
                // Error bound: half a step of x's 8-bit grid and of W's column grid, over the 3 products.
                var bound = (3 * ((3.5 / 255 / 2 * 4) + (2.0 * (4.0 / limit / 2)))) + 1e-3;
                Assert.True(Math.Abs(y[r * 4 + c] - exact) <= bound, $"y[{r},{c}] = {y[r * 4 + c]}, exactly {exact}");
            }
        }
    }

    [Fact]
    public void Int8MiniLmStaysWithinCosine099OfFloat()
    {
        var texts = Golden.UncasedSentences(500).Select(s => s.Text).ToArray();
        using var model = BertModel.Load("all-MiniLM-L6-v2");
        var fp32 = model.Embed(texts);
        var int8 = model.Embed(texts, model.DefaultOptions with { Precision = Precision.Int8 });

        var cosines = Enumerable.Range(0, texts.Length).Select(i => TensorPrimitives.CosineSimilarity(fp32[i], int8[i])).ToArray();
        Assert.True(cosines.Average() >= 0.99, $"mean cosine {cosines.Average():F4}");
        Assert.True(cosines.Min() >= 0.9, $"lowest cosine {cosines.Min():F4}");
        Assert.True(cosines.Average() < 0.99999, "int8 gave the float vectors: the rewrite did nothing");
        Assert.Equal(fp32.TokenCounts, int8.TokenCounts);
    }

    [Fact]
    public void ASavedInt8ModelCarriesTheInt8GraphAndGivesTheNumbersItGaveInMemory()
    {
        var golden = Golden.For("tiny-bert");
        var ml = new MLContext();
        var data = BertEmbeddingTransformTests.Texts(ml, golden.Sentences);
        // One text per run, as the saved form runs them: int8 quantizes each run's activations together.
        var options = new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Pooling = Pooling.Mean, Precision = Precision.Int8, BatchSize = 1 };
        using var int8 = ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", golden.Folder, options).Fit(data);
        using var fp32 = ml.Transforms.Text.ApplyBertEmbedding("Features", "Text", golden.Folder, options with { Precision = Precision.Float32 }).Fit(data);
        var expected = int8.Transform(data).GetColumn<float[]>("Features").ToArray();
        var floats = fp32.Transform(data).GetColumn<float[]>("Features").ToArray();

        var folder = Directory.CreateTempSubdirectory("bert-mlnet-test-");
        try
        {
            var zip = Path.Combine(folder.FullName, "model.zip");
            ml.Model.Save(int8, data.Schema, zip);
            Assert.True(ZipHolds(zip, "DynamicQuantizeMatMul"), "the saved graph has no int8 products");
            var loaded = new MLContext().Model.Load(zip, out _);
            var actual = loaded.Transform(data).GetColumn<float[]>("Features").ToArray();
            (loaded as IDisposable)?.Dispose();
            var differs = false;
            for (var row = 0; row < expected.Length; row++)
            {
                for (var i = 0; i < expected[row].Length; i++)
                {
                    Assert.True(Math.Abs(expected[row][i] - actual[row][i]) <= 1e-4f, $"row {row}, value {i}: {expected[row][i]} in memory, {actual[row][i]} loaded");
                    differs |= Math.Abs(floats[row][i] - actual[row][i]) > 1e-4f;
                }
            }

            Assert.True(differs, "the loaded int8 model gave the float model's numbers");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // Operators ONNX Runtime fuses on CPU: each one's count in the graph it optimizes.
    private static readonly string[] Fused =
        ["Attention", "MultiHeadAttention", "EmbedLayerNormalization", "SkipLayerNormalization", "LayerNormalization", "BiasGelu", "FastGelu", "Gelu",
            "FusedMatMul", "BiasSoftmax"];

    [Theory]
    [InlineData("all-MiniLM-L6-v2")]
    [InlineData("bert-l4-h128-uncased")]
    public void OnnxRuntimeFusesOurEditedGraphsAsItFusesTheUneditedOne(string name)
    {
        using var model = BertModel.Load(name);
        var original = Optimized(File.ReadAllBytes(model.Files.OnnxPath));
        var exposed = Optimized(model.ExportOnnx());
        var pooled = Optimized(model.ExportOnnx(model.DefaultOptions with { Layers = LayerSelection.Parse("-4..-1") }));
        Assert.True(original.GetValueOrDefault("LayerNormalization") >= 2 * model.LayerCount, $"{name}: ONNX Runtime fused no normalization: {Describe(original)}");
        foreach (var op in Fused)
        {
            Assert.True(original.GetValueOrDefault(op) == exposed.GetValueOrDefault(op), $"{op}: unedited {Describe(original)}; every hidden state exposed {Describe(exposed)}");
            Assert.True(original.GetValueOrDefault(op) == pooled.GetValueOrDefault(op), $"{op}: unedited {Describe(original)}; pooled {Describe(pooled)}");
        }

        // Int8: every weight product quantized (4 attention and 2 feed-forward per layer), the same normalizations fused,
        // GELU fused (its bias now inside the product), and only the two activation-by-activation products left in float.
        var int8 = Optimized(model.ExportOnnx(model.DefaultOptions with { Precision = Precision.Int8 }));
        Assert.Equal(6 * model.LayerCount, int8.GetValueOrDefault("DynamicQuantizeMatMul"));
        Assert.Equal(original.GetValueOrDefault("LayerNormalization"), int8.GetValueOrDefault("LayerNormalization"));
        Assert.Equal(original.GetValueOrDefault("BiasGelu") + original.GetValueOrDefault("FastGelu") + original.GetValueOrDefault("Gelu"),
            int8.GetValueOrDefault("Gelu") + int8.GetValueOrDefault("FastGelu") + int8.GetValueOrDefault("BiasGelu"));
        Assert.Equal(2 * model.LayerCount, int8.GetValueOrDefault("MatMul") + int8.GetValueOrDefault("FusedMatMul"));
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.Where(kv => Fused.Contains(kv.Key) || kv.Key.Contains("MatMul", StringComparison.Ordinal)).OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"));

    // The operators of the graph ONNX Runtime runs after its optimizations, read from the file it writes them to.
    private static IReadOnlyDictionary<string, int> Optimized(byte[] graph)
    {
        var folder = Directory.CreateTempSubdirectory("bert-mlnet-test-");
        try
        {
            var path = Path.Combine(folder.FullName, "optimized.onnx");
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                OptimizedModelFilePath = path,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            })
            using (new InferenceSession(graph, options))
            {
            }

            return OnnxModel.Load(path).OperatorCounts;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static bool ZipHolds(string zip, string text)
    {
        var needle = Encoding.ASCII.GetBytes(text);
        using var archive = ZipFile.OpenRead(zip);
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            if (copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    // y = x·W + b, x [batch, 3] float.
    private static byte[] LinearGraph(float[] w, float[] b)
    {
        static ValueInfoProto Tensor(string name, params object[] dims)
        {
            var shape = new TensorShapeProto();
            foreach (var d in dims)
            {
                shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = (long)(int)d });
            }

            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
        }

        var graph = new GraphProto
        {
            Name = "linear",
            Node =
            {
                new NodeProto { OpType = "MatMul", Name = "product", Input = { "x", "W" }, Output = { "xw" } },
                new NodeProto { OpType = "Add", Name = "bias", Input = { "xw", "b" }, Output = { "y" } },
            },
            Initializer =
            {
                new TensorProto { Name = "W", DataType = 1, Dims = { 3, 4 }, FloatData = { w } },
                new TensorProto { Name = "b", DataType = 1, Dims = { 4 }, FloatData = { b } },
            },
            Input = { Tensor("x", "batch", 3) },
            Output = { Tensor("y", "batch", 4) },
        };
        return new ModelProto { IrVersion = 8, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } }, ProducerName = "test", Graph = graph }.ToByteArray();
    }
}
