using Bert.MLNet.Onnx;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Bert.MLNet.Tests;

/// <summary>
/// Every hidden state of the real models, per token and pooled, against ONNX Runtime running the unedited graph with
/// the same tensors made outputs by another route: found here by their own rule (the last Add of every second
/// decomposed LayerNorm, in graph order), added straight to the protobuf, run one text at a time without padding.
/// The last one must also be the unedited graph's own <c>last_hidden_state</c>.
/// </summary>
public sealed class RealModelHiddenStateTests
{
    private static readonly string[] Texts =
    [
        "A man is playing a guitar.",
        "the dog",
        "Héllo, wörld! Über-naïve café crème brûlée, 1,234.56 km/h.",
        "Transformers encode every token of a sentence into a vector, layer after layer, and the attention mask keeps padding out of it all.",
        "東京 is a city",
    ];

    [Theory]
    [InlineData("all-MiniLM-L6-v2")]
    [InlineData("snowflake-arctic-embed-xs")]
    public void EveryHiddenStatePerTokenAndPooledEqualsTheUneditedGraph(string name)
    {
        using var model = BertModel.Load(name);
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(model.Files.OnnxPath));
        var tensors = ResidualNormalizations(graph.Graph, model.HiddenSize);
        Assert.Equal(model.LayerCount + 1, tensors.Count);
        if (name == "snowflake-arctic-embed-xs")
        {
            // Its export names nodes by module path: the rule above found each layer's output normalization.
            Assert.Equal(["/embeddings/LayerNorm/Add_1_output_0", .. Enumerable.Range(0, 6).Select(l => $"/encoder/layer.{l}/output/LayerNorm/Add_1_output_0")],
                tensors.Select(t => t == "last_hidden_state" ? "/encoder/layer.5/output/LayerNorm/Add_1_output_0" : t));
        }

        Assert.Equal("last_hidden_state", tensors[^1]);
        foreach (var tensor in tensors.Where(t => graph.Graph.Output.All(o => o.Name != t)))
        {
            graph.Graph.Output.Add(new ValueInfoProto { Name = tensor, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        }

        using var session = new InferenceSession(graph.ToByteArray());
        var reference = Texts.Select(text => Run(session, model, text, tensors)).ToArray();

        for (var layer = 0; layer <= model.LayerCount; layer++)
        {
            var selection = LayerSelection.Parse(layer.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var perToken = model.Embed(Texts, new EmbeddingOptions { Layers = selection, Pooling = Pooling.None, BatchSize = 8 });
            var mean = model.Embed(Texts, new EmbeddingOptions { Layers = selection, Pooling = Pooling.Mean, BatchSize = 8 });
            var cls = model.Embed(Texts, new EmbeddingOptions { Layers = selection, Pooling = Pooling.Cls, BatchSize = 8 });
            for (var row = 0; row < Texts.Length; row++)
            {
                var expected = reference[row][layer];
                var tokens = expected.Length / model.HiddenSize;
                Assert.Equal(tokens, perToken.TokenVectorCount(row));
                AssertClose(expected, perToken[row], $"{name} layer {layer} text {row} per token");
                var expectedMean = new float[model.HiddenSize];
                for (var t = 0; t < tokens; t++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(expectedMean, expected.AsSpan(t * model.HiddenSize, model.HiddenSize), expectedMean);
                }

                System.Numerics.Tensors.TensorPrimitives.Divide(expectedMean, tokens, expectedMean);
                AssertClose(expectedMean, mean[row], $"{name} layer {layer} text {row} mean");
                AssertClose(expected.AsSpan(0, model.HiddenSize), cls[row], $"{name} layer {layer} text {row} [CLS]");
            }
        }
    }

    // The last Add of each decomposed LayerNorm (Add(Mul(Div(...), gamma), beta) with hidden-sized gamma and beta), in
    // graph order: the embeddings' normalization, then two per encoder layer (after attention, after the feed-forward
    // block). The hidden states are the first and every second one after it.
    private static List<string> ResidualNormalizations(GraphProto graph, int hidden)
    {
        var vectors = graph.Initializer.Where(i => i.Dims.Count == 1 && i.Dims[0] == hidden).Select(i => i.Name).ToHashSet();
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (Output: o, Node: n))).ToDictionary(p => p.Output, p => p.Node);
        var ends = graph.Node.Where(n => n.OpType == "Add" && n.Input.Count == 2 && vectors.Contains(n.Input[1])
                && producers.TryGetValue(n.Input[0], out var mul) && mul.OpType == "Mul" && mul.Input.Any(vectors.Contains)
                && mul.Input.Any(i => producers.TryGetValue(i, out var div) && div.OpType == "Div"))
            .Select(n => n.Output[0]).ToList();
        return [.. ends.Where((_, i) => i % 2 == 0)];
    }

    private static float[][] Run(InferenceSession session, BertModel model, string text, List<string> tensors)
    {
        var encoding = model.Tokenizer.Encode(text, model.DefaultMaxLength);
        var length = encoding.Ids.Count;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(encoding.Ids.Select(i => (long)i).ToArray(), [1, length])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, length).ToArray(), [1, length])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(encoding.TypeIds.Select(i => (long)i).ToArray(), [1, length])),
        };
        using var outputs = session.Run(inputs, tensors);
        return [.. outputs.Select(o => o.AsTensor<float>().ToArray())];
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f, $"{what}: value {i} is {actual[i]}, expected {expected[i]}");
        }
    }
}
