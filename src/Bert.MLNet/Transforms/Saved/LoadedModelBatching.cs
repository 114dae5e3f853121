using System.Buffers.Binary;
using System.IO.Compression;
using Bert.MLNet.Onnx;
using Bert.MLNet.Tokenizers;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Onnx;

namespace Bert.MLNet.Transforms.Saved;

/// <summary>
/// Finds the saved form of <see cref="BertEmbeddingTransformer"/> (<see cref="BuiltInSteps.Embedding"/>) in a model loaded
/// with plain ML.NET and puts a <see cref="BatchedEmbeddingTransformer"/> in its place. Only public ML.NET surface is
/// read: the parts' types, their output schemas, one row through the tokenizer-state lookup, and the ONNX bytes that
/// OnnxTransformer stores in the model file.
/// </summary>
internal static class LoadedModelBatching
{
    // The entry OnnxTransformer keeps its graph in, under its folder in the model file: a 4-byte length, then the bytes.
    private const string GraphEntry = "OnnxModel";

    // The root folder ML.NET saves a model's transformer under.
    private const string RootFolder = "TransformerChain";

    /// <summary>Reads the ONNX bytes of the OnnxTransformer at an entry path (folders from the root, '/'-separated).</summary>
    internal delegate byte[] GraphReader(TransformerChain<ITransformer> form, string modelEntry, string formEntry);

    /// <summary>
    /// <paramref name="model"/> with every embedding form in it that this version described replaced by its batched
    /// twin; the same instance when there is none. <paramref name="inputSchema"/> is the schema the model reads.
    /// </summary>
    internal static ITransformer Batch(ITransformer model, DataViewSchema inputSchema, GraphReader readGraph, RuntimeOptions runtime)
    {
        var made = new List<BatchedEmbeddingTransformer>();
        try
        {
            return Rebuild(model, inputSchema, [], readGraph, runtime, made);
        }
        catch
        {
            // The model's own parts stay the caller's; only the sessions made here go.
            foreach (var batched in made)
            {
                batched.DisposeSession();
            }

            throw;
        }
    }

    /// <summary>Reads graphs from the model file the model was loaded from (the fast way: one entry decompressed).</summary>
    internal static GraphReader FromFile(string modelPath) => (_, modelEntry, _) =>
    {
        using var zip = ZipFile.OpenRead(modelPath);
        var entry = zip.GetEntry(modelEntry) ?? throw BertErrors.File(modelPath, $"the model file has no entry '{modelEntry}' for its ONNX graph.");
        return ReadGraph(entry, modelPath);
    };

    /// <summary>Reads graphs by saving the form alone into memory (for a model held only as a transformer).</summary>
    internal static GraphReader FromTransformer(MLContext ml) => (form, _, formEntry) =>
    {
        using var stream = new MemoryStream();
        ml.Model.Save(form, null, stream);
        stream.Position = 0;
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var entry = zip.GetEntry(formEntry) ?? throw BertErrors.Damaged($"The saved embedding form has no entry '{formEntry}' for its ONNX graph.");
        return ReadGraph(entry, "the model's embedding step");
    };

    private static ITransformer Rebuild(ITransformer node, DataViewSchema schema, int[] path, GraphReader readGraph, RuntimeOptions runtime,
        List<BatchedEmbeddingTransformer> made)
    {
        if (node is not TransformerChain<ITransformer> chain)
        {
            return node;
        }

        if (Recognize(chain, schema, path, readGraph, runtime) is { } batched)
        {
            made.Add(batched);
            return batched;
        }

        var parts = chain.ToArray();
        var rebuilt = new ITransformer[parts.Length];
        var changed = false;
        for (var i = 0; i < parts.Length; i++)
        {
            rebuilt[i] = Rebuild(parts[i], schema, [.. path, i], readGraph, runtime, made);
            changed |= !ReferenceEquals(rebuilt[i], parts[i]);
            schema = parts[i].GetOutputSchema(schema);
        }

        return changed ? new TransformerChain<ITransformer>(rebuilt, ScopesOf(chain, parts)) : chain;
    }

    // The scope of each part (training, testing, scoring), read back through the chain's public filter.
    private static TransformerScope[] ScopesOf(TransformerChain<ITransformer> chain, ITransformer[] parts)
    {
        var scopes = new TransformerScope[parts.Length];
        foreach (var scope in (TransformerScope[])[TransformerScope.Training, TransformerScope.Testing, TransformerScope.Scoring])
        {
            var members = chain.GetModelFor(scope).ToHashSet(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < parts.Length; i++)
            {
                if (members.Contains(parts[i]))
                {
                    scopes[i] |= scope;
                }
            }
        }

        return scopes;
    }

    // The embedding form, when the chain is exactly one: its parts, with their positions under the chain.
    private static BatchedEmbeddingTransformer? Recognize(TransformerChain<ITransformer> chain, DataViewSchema schema, int[] path, GraphReader readGraph,
        RuntimeOptions runtime)
    {
        var leaves = new List<(ITransformer Part, int[] Path)>();
        Flatten(chain, [], leaves);
        if (leaves.Count != 9
            || leaves[0].Part is not ColumnCopyingTransformer copyText
            || leaves[1].Part is not CustomMappingTransformer<StateKeyInput, StateKeyOutput>
            || leaves[2].Part is not ValueMappingTransformer stateLookup
            || leaves[3].Part is not CustomMappingTransformer<TokenizeInput, TokenizeOutput>
            || leaves[4].Part is not OnnxTransformer
            || leaves.Skip(5).Take(3).Any(l => l.Part is not ColumnCopyingTransformer)
            || leaves[8].Part is not ColumnSelectingTransformer)
        {
            return null;
        }

        var text = TextColumn(copyText, schema);
        if (text is null)
        {
            return null;
        }

        var onnxPath = leaves[4].Path;
        var bytes = readGraph(chain, Entry([.. path, .. onnxPath]), Entry(onnxPath));
        if (PoolingGraph.Unpool(bytes, "the model's embedding graph") is not var (graph, info))
        {
            return null;
        }

        var encoder = TokenizerState.Read(State(stateLookup));
        if (encoder.Tokenizer is not BertWordPieceTokenizer tokenizer || !HasOutputs(leaves, schema, info))
        {
            return null;
        }

        return new BatchedEmbeddingTransformer(chain, text, encoder, graph, info, tokenizer.PaddingId, runtime);
    }

    private static void Flatten(TransformerChain<ITransformer> chain, int[] path, List<(ITransformer, int[])> leaves)
    {
        var i = 0;
        foreach (var part in chain)
        {
            if (part is TransformerChain<ITransformer> inner)
            {
                Flatten(inner, [.. path, i], leaves);
            }
            else
            {
                leaves.Add((part, [.. path, i]));
            }

            i++;
        }
    }

    private static string Entry(int[] path) => string.Join('/', [RootFolder, .. path.Select(i => $"Transform_{i:000}"), GraphEntry]);

    // The text column the form copies: the one text column of the input it accepts.
    private static string? TextColumn(ColumnCopyingTransformer copy, DataViewSchema schema)
    {
        foreach (var column in schema.Where(c => !c.IsHidden && c.Type is TextDataViewType))
        {
            var alone = new DataViewSchema.Builder();
            alone.AddColumn(column.Name, column.Type);
            try
            {
                if (copy.GetOutputSchema(alone.ToSchema()).GetColumnOrNull(SavedColumns.Text) is not null)
                {
                    return column.Name;
                }
            }
            catch (ArgumentOutOfRangeException)
            {
                // Not the column it copies.
            }
        }

        return null;
    }

    // The tokenizer state the form's lookup holds: its value for the constant key.
    private static ReadOnlyMemory<char> State(ValueMappingTransformer lookup)
    {
        var ml = new MLContext();
        var keys = ml.Data.LoadFromEnumerable([new StateKeyOutput()]);
        var values = lookup.Transform(keys);
        using var cursor = values.GetRowCursor([values.Schema[SavedColumns.State]]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(values.Schema[SavedColumns.State]);
        var state = default(ReadOnlyMemory<char>);
        if (cursor.MoveNext())
        {
            getter(ref state);
        }

        return state;
    }

    // The graph's outputs are the vector columns the form adds, and the three copies add the statistics columns, in order.
    private static bool HasOutputs(List<(ITransformer Part, int[] Path)> leaves, DataViewSchema schema, PooledGraphInfo info)
    {
        var schemas = new List<DataViewSchema> { schema };
        foreach (var (part, _) in leaves)
        {
            schemas.Add(part.GetOutputSchema(schemas[^1]));
        }

        var afterGraph = schemas[5];
        var vectors = afterGraph.Skip(afterGraph.Count - info.Outputs.Count).Select(c => c.Name);
        DataViewType[] statistics = [NumberDataViewType.Int32, BooleanDataViewType.Instance, NumberDataViewType.Int32];
        return vectors.SequenceEqual(info.Outputs)
            && statistics.Select((type, i) => schemas[6 + i][schemas[6 + i].Count - 1].Type.Equals(type)).All(same => same);
    }

    private static byte[] ReadGraph(ZipArchiveEntry entry, string source)
    {
        using var stream = entry.Open();
        Span<byte> prefix = stackalloc byte[4];
        stream.ReadExactly(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length < 0 || length != entry.Length - 4)
        {
            throw BertErrors.File(source, $"the ONNX graph entry '{entry.FullName}' says {length} bytes but holds {entry.Length - 4}; the model file may be damaged.");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
