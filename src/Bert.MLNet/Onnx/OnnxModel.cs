using Google.Protobuf;

namespace Bert.MLNet.Onnx;

/// <summary>
/// An ONNX model read into memory for inspection and small edits (adding outputs), then handed to
/// ONNX Runtime as bytes. Fields this project does not model are kept as they are.
/// </summary>
internal sealed class OnnxModel
{
    private readonly ModelProto model;

    private OnnxModel(ModelProto model, string source)
    {
        this.model = model;
        Source = source;
        if (model.Graph is null)
        {
            throw BertErrors.File(source, "the model has no graph.");
        }

        var external = model.Graph.Initializer.FirstOrDefault(t => t.DataLocation == 1);
        if (external is not null)
        {
            var location = external.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "(unnamed)";
            throw BertErrors.File(source,
                $"weight '{external.Name}' is stored in an external data file ('{location}'); models with external data are not supported. " +
                "Re-export the model with every weight inside the .onnx file (models under 2 GB fit).");
        }
    }

    /// <summary>Where the model came from (a path, or a description), for messages.</summary>
    public string Source { get; }

    /// <summary>The graph's real inputs (initializers listed as inputs by old exporters are left out).</summary>
    public IReadOnlyList<string> Inputs
    {
        get
        {
            var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            return [.. model.Graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n))];
        }
    }

    /// <summary>The graph's outputs.</summary>
    public IReadOnlyList<string> Outputs => [.. model.Graph.Output.Select(o => o.Name)];

    /// <summary>The weights stored in the graph: each initializer's name and dimensions.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<long> Dimensions)> Initializers =>
        [.. model.Graph.Initializer.Select(t => (t.Name, (IReadOnlyList<long>)[.. t.Dims]))];

    /// <summary>The opset of the default ONNX domain.</summary>
    public long Opset => model.OpsetImport.FirstOrDefault(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx")?.Version ?? 0;

    /// <summary>The program that wrote the model (for example <c>pytorch 1.13.1</c>).</summary>
    public string Producer => $"{model.ProducerName} {model.ProducerVersion}".Trim();

    /// <summary>How many nodes of each operator type the graph has, such as <c>Attention</c> or <c>SkipLayerNormalization</c> in a graph ONNX Runtime has fused.</summary>
    public IReadOnlyDictionary<string, int> OperatorCounts =>
        model.Graph.Node.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    internal GraphProto Graph => model.Graph;

    internal Google.Protobuf.Collections.RepeatedField<OperatorSetIdProto> OpsetImports => model.OpsetImport;

    // The model's key-value metadata (metadata_props), which ONNX Runtime ignores and every copy of the bytes keeps.
    internal Google.Protobuf.Collections.RepeatedField<StringStringEntryProto> Metadata => model.MetadataProps;

    /// <summary>Reads an ONNX model file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid ONNX model (truncated, corrupt) or uses external data.</exception>
    public static OnnxModel Load(string path)
    {
        if (!File.Exists(path))
        {
            throw BertErrors.Missing($"ONNX model '{path}' does not exist.", path);
        }

        return FromBytes(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads an ONNX model from its bytes; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid ONNX model.</exception>
    public static OnnxModel FromBytes(ReadOnlySpan<byte> bytes, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw BertErrors.File(source, $"not a valid ONNX model ({e.Message}); the file may be truncated or corrupt.", e);
        }

        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw BertErrors.File(source, "not a valid ONNX model (no graph nodes); the file may be truncated or not an ONNX file.");
        }

        return new OnnxModel(model, source);
    }

    /// <summary>The dimensions of an initializer (a weight), or null when there is none by that name.</summary>
    public IReadOnlyList<long>? InitializerShape(string name) =>
        model.Graph.Initializer.FirstOrDefault(t => t.Name == name)?.Dims.ToArray();

    /// <summary>
    /// Adds graph outputs that expose internal float tensors: for each pair, an Identity node copies
    /// <c>Tensor</c> to a new output called <c>Name</c> of shape <c>[batch_size, sequence_length, hiddenSize]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is not produced by any node, or a name is taken.</exception>
    public void AddFloatOutputs(IEnumerable<(string Tensor, string Name)> outputs, long hiddenSize)
    {
        var produced = model.Graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        foreach (var (tensor, name) in outputs)
        {
            if (!produced.Contains(tensor))
            {
                throw BertErrors.Invalid(null, $"{Source}: no node produces tensor '{tensor}'.");
            }

            if (produced.Contains(name) || model.Graph.Output.Any(o => o.Name == name))
            {
                throw BertErrors.Invalid(null, $"{Source}: the graph already has a tensor named '{name}'.");
            }

            model.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = "bert_mlnet/" + name, Input = { tensor }, Output = { name } });
            var shape = new TensorShapeProto
            {
                Dim =
                {
                    new TensorShapeProto.Types.Dimension { DimParam = "batch_size" },
                    new TensorShapeProto.Types.Dimension { DimParam = "sequence_length" },
                    new TensorShapeProto.Types.Dimension { DimValue = hiddenSize },
                },
            };
            model.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } },
            });
            produced.Add(name);
        }
    }

    /// <summary>The model as ONNX bytes, with any edits.</summary>
    public byte[] ToBytes() => model.ToByteArray();
}
