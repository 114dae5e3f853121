using System.Security.Cryptography;
using Bert.MLNet.Embeddings;
using Bert.MLNet.Onnx;
using Bert.MLNet.Options;
using Bert.MLNet.Tokenizers;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet;

/// <summary>
/// A BERT-family model ready to embed text: its tokenizer and an ONNX Runtime session over its graph, edited in
/// memory so that every hidden state is an output (and a second, int8 one, started when <see cref="Precision.Int8"/> is first used). Load with <see cref="Load"/> from a model
/// folder (<c>model.onnx</c> at the root or in <c>onnx/</c>, a vocabulary, optional <c>config.json</c>) or
/// from an <c>.onnx</c> path with the vocabulary beside it.
/// </summary>
/// <remarks>
/// Thread-safe: many threads may call <see cref="Embed"/> at once (the session runs them concurrently).
/// Dispose to free the native sessions.
/// </remarks>
public sealed partial class BertModel : IDisposable
{
    private const string HiddenStatePrefix = "hidden_states.";

    private readonly InferenceSession session;
    private readonly Lazy<InferenceSession> int8Session;
    private readonly GraphRunner runner;
    private readonly Lazy<GraphRunner> int8Runner;
    private readonly string[] hiddenStateOutputs;

    private readonly Lazy<string> fingerprint;

    private BertModel(ModelFiles files, BertWordPieceTokenizer tokenizer, OnnxModel graph, HiddenStateLayout layout, ModelInputs inputs,
        long vocabularyRows, int maxPositions, ModelConventions conventions, RuntimeOptions runtimeOptions)
    {
        Files = files;
        Conventions = conventions;
        fingerprint = new(() => files.Pretrained?.Fingerprint ?? HashFile(files.OnnxPath));
        Tokenizer = tokenizer;
        Layout = layout;
        Inputs = inputs;
        HiddenSize = (int)layout.HiddenSize;
        MaxPositions = maxPositions;
        EmbeddingRows = vocabularyRows;
        hiddenStateOutputs = [.. Enumerable.Range(0, layout.Tensors.Count).Select(i => HiddenStatePrefix + i)];
        graph.AddFloatOutputs(layout.Tensors.Select((t, i) => (t, hiddenStateOutputs[i])), layout.HiddenSize);
        Graph = graph;
        RuntimeOptions = runtimeOptions;
        session = StartSession(graph, Precision.Float32);
        int8Session = new(() => StartSession(Int8Graph(), Precision.Int8), LazyThreadSafetyMode.ExecutionAndPublication);
        runner = new GraphRunner(session, inputs, tokenizer.PaddingId, HiddenSize);
        int8Runner = new(() => new GraphRunner(int8Session.Value, inputs, tokenizer.PaddingId, HiddenSize), LazyThreadSafetyMode.ExecutionAndPublication);
        Producer = graph.Producer;
        Opset = graph.Opset;
    }

    /// <summary>The files the model came from.</summary>
    public ModelFiles Files { get; }

    /// <summary>
    /// The model's name: the known name it was loaded by (<see cref="PretrainedModels"/>), or its folder's name.
    /// </summary>
    public string Name => Files.Pretrained?.Name ?? FolderName(Files.OnnxPath);

    /// <summary>The SHA-256 of the model's ONNX file (lowercase hex): which model this is, whatever its path.</summary>
    public string Fingerprint => fingerprint.Value;

    /// <summary>How the model's own users embed with it (pooling, normalization, maximum length, query prompt).</summary>
    public ModelConventions Conventions { get; }

    /// <summary>The options <see cref="Embed"/> uses when given none: <see cref="Conventions"/> as <see cref="EmbeddingOptions"/>.</summary>
    public EmbeddingOptions DefaultOptions => Conventions.ToOptions();

    /// <summary>The model's tokenizer.</summary>
    public BertWordPieceTokenizer Tokenizer { get; }

    /// <summary>Where the graph keeps each hidden state.</summary>
    public HiddenStateLayout Layout { get; }

    /// <summary>Which of the standard inputs the model takes.</summary>
    public ModelInputs Inputs { get; }

    /// <summary>The number of encoder layers (hidden states 1..N; 0 is the embeddings).</summary>
    public int LayerCount => Layout.LayerCount;

    /// <summary>The width of every hidden state.</summary>
    public int HiddenSize { get; }

    /// <summary>The longest input the position embeddings cover.</summary>
    public int MaxPositions { get; }

    /// <summary>The encoding length used when <see cref="EmbeddingOptions.MaxLength"/> is not set: the smallest of the
    /// model's positions, the tokenizer's <c>model_max_length</c> and the conventions' <see cref="ModelConventions.MaxLength"/>.</summary>
    public int DefaultMaxLength => Math.Min(Math.Min(MaxPositions, Tokenizer.Options.ModelMaxLength), Conventions.MaxLength ?? int.MaxValue);

    /// <summary>The rows of the word-embedding matrix (equal to the vocabulary size).</summary>
    public long EmbeddingRows { get; }

    /// <summary>The program that wrote the ONNX file.</summary>
    public string Producer { get; }

    /// <summary>The ONNX opset of the graph.</summary>
    public long Opset { get; }

    /// <summary>The ONNX Runtime session's inputs, by name.</summary>
    public IReadOnlyDictionary<string, NodeMetadata> SessionInputs => session.InputMetadata;

    /// <summary>The ONNX Runtime session's outputs, by name (hidden-state outputs included).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> SessionOutputs => session.OutputMetadata;

    /// <summary>The settings the session runs with.</summary>
    public RuntimeOptions RuntimeOptions { get; }

    internal InferenceSession Session => session;

    // How many encodings (texts or windows) the model has run, in either precision, for tests that count forward passes.
    internal long EncodingsRun => runner.EncodingsRun + (int8Runner.IsValueCreated ? int8Runner.Value.EncodingsRun : 0);

    // The graph with every hidden state exposed; the source of the exported and pooled graphs.
    internal OnnxModel Graph { get; }

    // A quantized copy of Graph (Graph itself is never edited after load).
    private OnnxModel Int8Graph()
    {
        var copy = OnnxModel.FromBytes(Graph.ToBytes(), Files.OnnxPath);
        WeightQuantizer.Quantize(copy);
        return copy;
    }

    private InferenceSession StartSession(OnnxModel graph, Precision precision)
    {
        using var sessionOptions = RuntimeOptions.ToSessionOptions();
        try
        {
            return new InferenceSession(graph.ToBytes(), sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            var form = precision == Precision.Int8 ? " in int8" : "";
            throw BertErrors.File(Files.OnnxPath, $"ONNX Runtime cannot run the model{form}: {e.Message}", e);
        }
    }

    internal string HiddenStateOutput(int layer) => hiddenStateOutputs[layer];

    /// <summary>
    /// Loads a model from a folder, an <c>.onnx</c> file, or by name: <c>all-MiniLM-L6-v2</c>, <c>snowflake-arctic-embed-xs</c>
    /// or <c>bert-l4-h128-uncased</c> (<see cref="PretrainedModels"/>; the first use writes its files into the cache).
    /// </summary>
    /// <exception cref="FileNotFoundException">No model or vocabulary where expected (the message lists where it looked), or an unknown name (the message lists the known ones).</exception>
    /// <exception cref="IOException">A named model's cache folder cannot be written (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is malformed, the graph has no findable hidden states, or the vocabulary does not fit the model.</exception>
    /// <exception cref="NotSupportedException">The runtime options ask for CUDA where there is none.</exception>
    public static BertModel Load(string path, RuntimeOptions? runtimeOptions = null) => LoadCore(path, runtimeOptions, CancellationToken.None);

    /// <inheritdoc cref="Load"/>
    public static Task<BertModel> LoadAsync(string path, RuntimeOptions? runtimeOptions = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => LoadCore(path, runtimeOptions, cancellationToken), cancellationToken);

    /// <summary>Frees the native sessions.</summary>
    public void Dispose()
    {
        session.Dispose();
        if (int8Session.IsValueCreated)
        {
            int8Session.Value.Dispose();
        }
    }

    /// <summary>
    /// The model's ONNX graph as bytes, edited for use outside this library. Without options: the graph with every
    /// hidden state as an output (<c>hidden_states.0</c> … <c>hidden_states.N</c>, each <c>[batch, sequence, hidden]</c>),
    /// beside the original outputs. With options: the pooled graph ML.NET's <c>ApplyOnnxModel</c> runs, one text per run —
    /// inputs <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c> (when the model takes them) as <c>[1, sequence]</c>,
    /// and <c>window_length</c> (<c>[1]</c>) with <see cref="LongTextHandling.Window"/>, as <c>TokenizeForBert</c> writes them;
    /// output <c>embedding</c> (or <c>embedding.Layer{index}</c> per layer with <see cref="LayerCombination.Separate"/>), a float
    /// vector of known length. Pooling, window merging, combination and normalization happen inside the graph.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (for example per-token output, which has no known length).</exception>
    public byte[] ExportOnnx(EmbeddingOptions? options = null)
    {
        if (options is null)
        {
            return Graph.ToBytes();
        }

        var plan = PoolingPlan.For(this, options);
        ResolveMaxLength(options);
        var names = new Onnx.PoolingGraph.InputNames("input_ids", "attention_mask", Inputs.TokenTypeIds is null ? null : "token_type_ids",
            options.LongText == LongTextHandling.Window ? "window_length" : null);
        return Onnx.PoolingGraph.Build(this, plan, names, BertEmbeddingTransformer.VectorColumns("embedding", plan));
    }

    /// <summary>Writes <see cref="ExportOnnx(EmbeddingOptions?)"/>'s graph to a file, for <c>ApplyOnnxModel</c> or any ONNX runtime.</summary>
    public void ExportOnnx(string path, EmbeddingOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, ExportOnnx(options));
    }

    private static BertModel LoadCore(string path, RuntimeOptions? runtimeOptions, CancellationToken cancellationToken)
    {
        var d = Describe(path, cancellationToken);
        return new BertModel(d.Files, d.Tokenizer, d.Graph, d.Layout, d.Inputs, d.Rows, d.MaxPositions, d.Conventions, runtimeOptions ?? new RuntimeOptions());
    }

    private static string FolderName(string onnxPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(onnxPath))!;
        return Path.GetFileName(folder) == "onnx" ? Path.GetFileName(Path.GetDirectoryName(folder)!) : Path.GetFileName(folder);
    }

    private static string HashFile(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
