using Bert.MLNet.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet.Tests;

/// <summary>Model folders in their layouts, and every kind of bad model with the error it gets.</summary>
public sealed class ModelLoadingTests : IDisposable
{
    private readonly string temp = Path.Combine(Path.GetTempPath(), "bert-mlnet-models-" + Guid.NewGuid().ToString("N"));

    public ModelLoadingTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [Fact]
    public void LoadsBothFolderLayoutsAndBareOnnxPaths()
    {
        var root = Golden.For("tiny-bert-opset17").Folder;         // model.onnx at the root
        var nested = Golden.For("tiny-bert").Folder;               // onnx/model.onnx
        using (var a = BertModel.Load(root))
        {
            Assert.EndsWith("model.onnx", a.Files.OnnxPath, StringComparison.Ordinal);
        }

        using (var b = BertModel.Load(Path.Combine(nested, "onnx", "model.onnx")))
        {
            Assert.Equal(nested, b.Files.TokenizerPath);  // the vocabulary is found in the folder above onnx/
            Assert.Equal(3, b.LayerCount);
            Assert.Equal(32, b.HiddenSize);
            Assert.Equal(64, b.MaxPositions);
            Assert.Equal(255, b.EmbeddingRows);
            Assert.Equal(new ModelInputs("input_ids", "attention_mask", "token_type_ids"), b.Inputs);
        }

        using var c = BertModel.Load(Golden.For("tiny-bert-no-token-types").Folder);
        Assert.Null(c.Inputs.TokenTypeIds);
    }

    [Fact]
    public void HiddenStatesAreFoundByStructureInEveryNormalizationStyle()
    {
        var decomposed = HiddenStateFinder.Find(OnnxModel.Load(Path.Combine(Golden.For("tiny-bert").Folder, "onnx", "model.onnx")));
        Assert.Equal(3, decomposed.LayerCount);
        Assert.Equal("decomposed LayerNorm", decomposed.NormalizationKind);
        Assert.Contains("/encoder/layer.2/output/LayerNorm", decomposed.NodeNames[3], StringComparison.Ordinal);
        Assert.Contains("/embeddings/LayerNorm", decomposed.NodeNames[0], StringComparison.Ordinal);

        var fused = HiddenStateFinder.Find(OnnxModel.Load(Path.Combine(Golden.For("tiny-bert-opset17").Folder, "model.onnx")));
        Assert.Equal(2, fused.LayerCount);
        Assert.Equal("LayerNormalization", fused.NormalizationKind);
        Assert.Equal(16, fused.HiddenSize);
    }

    [Fact]
    public void MissingModelAndVocabularyAreNamed()
    {
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => BertModel.Load(Path.Combine(temp, "none"))).Message, StringComparison.Ordinal);
        var error = Assert.Throws<FileNotFoundException>(() => BertModel.Load(temp));
        Assert.Contains("model.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine("onnx", "model.onnx"), error.Message, StringComparison.Ordinal);

        File.Copy(Path.Combine(Golden.For("tiny-bert-opset17").Folder, "model.onnx"), Path.Combine(temp, "model.onnx"));
        Assert.Contains("vocab.txt or tokenizer.json", Assert.Throws<FileNotFoundException>(() => BertModel.Load(temp)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedModelFileIsReported()
    {
        var folder = Copy("tiny-bert-opset17");
        var onnx = Path.Combine(folder, "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        File.WriteAllBytes(onnx, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => BertModel.Load(folder));
        Assert.Contains(onnx, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VocabularyThatDoesNotFitTheModelIsRejected()
    {
        var folder = Copy("tiny-bert-opset17");
        File.AppendAllText(Path.Combine(folder, "vocab.txt"), "extra\n");
        var error = Assert.Throws<InvalidDataException>(() => BertModel.Load(folder));
        Assert.Contains("256 tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("255 rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigThatDisagreesWithTheGraphIsRejected()
    {
        var folder = Copy("tiny-bert-opset17");
        var config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 12", StringComparison.Ordinal));
        Assert.Contains("num_hidden_layers is 12", Assert.Throws<InvalidDataException>(() => BertModel.Load(folder)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GraphWithoutNormalizationsSaysWhatWasFound()
    {
        // A model of one Identity node: valid ONNX, but no encoder in it.
        var model = new ModelProto
        {
            IrVersion = 8,
            OpsetImport = { new OperatorSetIdProto { Domain = string.Empty, Version = 14 } },
            Graph = new GraphProto
            {
                Name = "identity",
                Node = { new NodeProto { OpType = "Identity", Input = { "input_ids" }, Output = { "out" } } },
                Input = { new ValueInfoProto { Name = "input_ids" } },
                Output = { new ValueInfoProto { Name = "out" } },
            },
        };
        var error = Assert.Throws<InvalidDataException>(() => HiddenStateFinder.Find(OnnxModel.FromBytes(Google.Protobuf.MessageExtensions.ToByteArray(model), "identity.onnx")));
        Assert.Contains("identity.onnx: found no layer normalization", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalDataIsRejectedWithTheWeightsName()
    {
        var model = OnnxModelWithExternalWeight();
        var error = Assert.Throws<InvalidDataException>(() => OnnxModel.FromBytes(model, "big.onnx"));
        Assert.Contains("weight 'embeddings.word_embeddings.weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'big.onnx.data'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaFailsClearlyWhereItIsNotAvailable()
    {
        // These machines run the CPU build of ONNX Runtime (the package Microsoft.ML.OnnxRuntime): no CUDA provider.
        Assert.DoesNotContain("CUDAExecutionProvider", OrtEnv.Instance().GetAvailableProviders());
        var error = Assert.Throws<NotSupportedException>(() => BertModel.Load(Golden.For("tiny-bert-opset17").Folder, new RuntimeOptions { CudaDeviceId = 0 }));
        Assert.Contains("CudaDeviceId is 0 but this ONNX Runtime build has no CUDA execution provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRuntimeIsTheOfficialOnnxRuntimePackage() =>
        Assert.Equal("1.31.1", OrtEnv.Instance().GetVersionString());

    [Fact]
    public void InvalidRuntimeOptionsNameTheOption() =>
        Assert.Contains("IntraOpThreads", Assert.Throws<ArgumentOutOfRangeException>(
            () => BertModel.Load(Golden.For("tiny-bert-opset17").Folder, new RuntimeOptions { IntraOpThreads = -1 })).Message, StringComparison.Ordinal);

    private string Copy(string model)
    {
        var target = Path.Combine(temp, model);
        foreach (var file in Directory.GetFiles(Golden.For(model).Folder, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Golden.For(model).Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    private static byte[] OnnxModelWithExternalWeight() => Google.Protobuf.MessageExtensions.ToByteArray(new ModelProto
    {
        IrVersion = 8,
        Graph = new GraphProto
        {
            Node = { new NodeProto { OpType = "Identity", Input = { "x" }, Output = { "y" } } },
            Initializer =
            {
                new TensorProto
                {
                    Name = "embeddings.word_embeddings.weight", DataType = 1, Dims = { 4, 2 }, DataLocation = 1,
                    ExternalData = { new StringStringEntryProto { Key = "location", Value = "big.onnx.data" } },
                },
            },
        },
    });
}
