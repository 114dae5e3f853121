using Bert.MLNet.OnnxRuntime.Onnx;

namespace Bert.MLNet.OnnxRuntime.Tests;

public sealed class InferenceSessionTests
{
    [Fact]
    public void TheLibraryIsTheOfficialOnnxRuntime()
    {
        Assert.Equal("1.30.0", OnnxRuntimeLibrary.Version);
        Assert.Contains("CPUExecutionProvider", OnnxRuntimeLibrary.AvailableProviders);
        Assert.Contains(Path.Combine("runtimes", "linux-x64", "native"), OnnxRuntimeLibrary.LibraryPath, StringComparison.Ordinal);
    }

    [Fact]
    public void RunsInt64InputsToFloatOutputsComputedByHand()
    {
        using var session = InferenceSession.Create(Graphs.AddThenCast());
        Assert.Equal(["a", "b"], session.Inputs.Select(i => i.Name));
        Assert.Equal("a: Int64[rows, 3]", session.Inputs[0].ToString());
        Assert.Equal([-1L, 3], session.Inputs[0].Dimensions);
        Assert.Equal("y: Float[rows, 3]", session.Outputs[0].ToString());

        long[] shape = [2, 3];
        using var outputs = session.Run(
            [new TensorInput("a", new long[] { 1, 2, 3, 4, 5, 6 }, shape), new TensorInput("b", new long[] { 10, 20, 30, -40, -50, -60 }, shape)],
            ["y"]);
        Assert.Equal([2L, 3], outputs.GetShape(0));
        Assert.Equal([11f, 22f, 33f, -36f, -45f, -54f], outputs.GetFloats(0).ToArray());
    }

    [Fact]
    public void InputsAreReadInPlaceFromSlicesOfLargerBuffers()
    {
        using var session = InferenceSession.Create(Graphs.AddThenCast());
        var buffer = new long[] { 99, 1, 1, 1, 99 };
        using var outputs = session.Run(
            [new TensorInput("a", buffer.AsMemory(1, 3), [1, 3]), new TensorInput("b", buffer.AsMemory(1, 3), [1, 3])], ["y"]);
        Assert.Equal([2f, 2f, 2f], outputs.GetFloats(0).ToArray());
    }

    [Fact]
    public void WrongNamesAndShapesAreExplained()
    {
        using var session = InferenceSession.Create(Graphs.AddThenCast());
        var data = new long[3];
        var unknownInput = Assert.Throws<ArgumentException>(() => session.Run([new TensorInput("c", data, [1, 3])], ["y"]));
        Assert.Contains("no input named 'c'; its inputs are a, b", unknownInput.Message, StringComparison.Ordinal);
        var unknownOutput = Assert.Throws<ArgumentException>(() => session.Run([new TensorInput("a", data, [1, 3]), new TensorInput("b", data, [1, 3])], ["z"]));
        Assert.Contains("no output named 'z'", unknownOutput.Message, StringComparison.Ordinal);
        var shape = Assert.Throws<ArgumentException>(() => session.Run([new TensorInput("a", data, [2, 3])], ["y"]));
        Assert.Contains("shape [2, 3] (6 values) but 3 values", shape.Message, StringComparison.Ordinal);

        // ONNX Runtime's own check, its message carried through: b is missing.
        var missing = Assert.Throws<OnnxRuntimeException>(() => session.Run([new TensorInput("a", data, [1, 3])], ["y"]));
        Assert.Contains("b", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelsOnnxRuntimeRejectsComeBackWithItsMessage()
    {
        var bad = Graphs.Model(
            [new Bert.MLNet.OnnxRuntime.Onnx.NodeProto { OpType = "NoSuchOperator", Input = { "a" }, Output = { "y" } }],
            [Graphs.Tensor("a", 1)], [Graphs.Tensor("y", 1)]);
        var error = Assert.Throws<OnnxRuntimeException>(() => InferenceSession.Create(bad));
        Assert.Contains("NoSuchOperator", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(OrtErrorCode.Ok, error.Code);
        Assert.Throws<OnnxRuntimeException>(() => InferenceSession.Create("not a model"u8));
    }

    [Fact]
    public void ACancelledTokenStopsBeforeRunning()
    {
        using var session = InferenceSession.Create(Graphs.AddThenCast());
        var data = new long[3];
        Assert.Throws<OperationCanceledException>(() =>
            session.Run([new TensorInput("a", data, [1, 3]), new TensorInput("b", data, [1, 3])], ["y"], new CancellationToken(canceled: true)));
    }

    [Fact]
    public void AddedOutputsExposeInternalTensors()
    {
        var model = OnnxModel.FromBytes(Graphs.AddThenCast(), "add.onnx");
        Assert.Equal(["a", "b"], model.Inputs);
        Assert.Equal(["y"], model.Outputs);
        Assert.Equal(14, model.Opset);
        Assert.Contains("no node produces tensor 'nope'", Assert.Throws<ArgumentException>(() => model.AddFloatOutputs([("nope", "x")], 3)).Message, StringComparison.Ordinal);
        Assert.Contains("already has a tensor named 'y'", Assert.Throws<ArgumentException>(() => model.AddFloatOutputs([("sum", "y")], 3)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedModelsAreNamed()
    {
        var bytes = Graphs.AddThenCast();
        var error = Assert.Throws<InvalidDataException>(() => OnnxModel.FromBytes(bytes.AsSpan(0, bytes.Length - 7), "cut.onnx"));
        Assert.StartsWith("cut.onnx: not a valid ONNX model", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => OnnxModel.Load("/no/model.onnx")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLibraryCannotBeSwappedOnceLoaded()
    {
        _ = OnnxRuntimeLibrary.Version;
        Assert.Throws<FileNotFoundException>(() => OnnxRuntimeLibrary.UseLibrary("/no/libonnxruntime.so"));
        Assert.Contains("loaded already", Assert.Throws<InvalidOperationException>(() => OnnxRuntimeLibrary.UseLibrary(OnnxRuntimeLibrary.LibraryPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListsInitializersWithTheirDimensions()
    {
        var proto = ModelProto.Parser.ParseFrom(Graphs.AddThenCast());
        proto.Graph.Initializer.Add(new TensorProto { Name = "w", DataType = 1, Dims = { 2, 3 } });
        var model = OnnxModel.FromBytes(Google.Protobuf.MessageExtensions.ToByteArray(proto), "m.onnx");
        var (name, dims) = Assert.Single(model.Initializers);
        Assert.Equal("w", name);
        Assert.Equal([2L, 3], dims);
        Assert.Equal([2L, 3], model.InitializerShape("w"));
        Assert.Null(model.InitializerShape("v"));
    }

    [Fact]
    public void InvalidOptionsNameTheOption() =>
        Assert.Contains("InterOpThreads", Assert.Throws<ArgumentOutOfRangeException>(
            () => InferenceSession.Create(Graphs.AddThenCast(), new SessionOptions { InterOpThreads = -2 })).Message, StringComparison.Ordinal);
}
