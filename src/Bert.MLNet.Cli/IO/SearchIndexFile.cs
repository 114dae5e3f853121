using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Bert.MLNet.Similarity;

namespace Bert.MLNet.Cli.IO;

/// <summary>
/// What <c>bert-mlnet index</c> writes and <c>search</c> reads: a zip holding <c>index.json</c> (format, the model
/// and embedding settings, the texts) and <c>vectors.f32</c> (the unit-length embeddings, float32 little-endian,
/// one after another). The index is rebuilt from the vectors when the file is read, in the storage it names.
/// </summary>
internal sealed record SearchIndexFile(string Model, string Layers, string Pooling, VectorStorage Storage, int Dimension, string[] Texts)
{
    private const string Format = "bert-mlnet-index";
    private const int Version = 1;

    // Wider than any BERT's concatenated layers; a header that says more is damaged, and is refused before allocating.
    private const int MaxDimension = 1 << 16;

    /// <summary>The precision the texts were embedded in (files written before it was recorded: fp32).</summary>
    internal Precision Precision { get; init; }

    /// <summary>The embedding settings the texts were indexed with; queries use the same.</summary>
    internal EmbeddingOptions Options =>
        new() { Layers = LayerSelection.Parse(Layers), Pooling = Commands.EmbedCommand.ParsePooling(Pooling), Normalize = true, Precision = Precision };

    /// <summary>Writes the file into <paramref name="stream"/> (an <see cref="OutputFile"/>'s, which makes it whole or not at all).</summary>
    internal void Write(Stream stream, ReadOnlySpan<float> vectors)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var header = zip.CreateEntry("index.json").Open())
        {
            JsonSerializer.Serialize(header, new Header(Format, Version, Model, Layers, Pooling, Storage.ToString(), Dimension, Texts.Length, Texts,
                Commands.PrecisionOption.Name(Precision)));
        }

        using var data = zip.CreateEntry("vectors.f32", CompressionLevel.Fastest).Open();
        var buffer = new byte[4 * vectors.Length];
        for (var i = 0; i < vectors.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), vectors[i]);
        }

        data.Write(buffer);
    }

    /// <summary>Reads a file and rebuilds its index.</summary>
    /// <exception cref="InvalidDataException">The file is not a bert-mlnet index, is of a newer version, or is damaged.</exception>
    internal static (SearchIndexFile File, VectorIndex Index) Read(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"Index file '{path}' does not exist.", path);
        }

        try
        {
            using var zip = ZipFile.OpenRead(path);
            var headerEntry = zip.GetEntry("index.json") ?? throw new InvalidDataException($"{path}: not a bert-mlnet index (no index.json inside).");
            Header header;
            using (var stream = headerEntry.Open())
            {
                header = JsonSerializer.Deserialize<Header>(stream) ?? throw new InvalidDataException($"{path}: index.json is empty.");
            }

            if (header.Format != Format)
            {
                throw new InvalidDataException($"{path}: not a bert-mlnet index (format '{header.Format}').");
            }

            if (header.Version > Version)
            {
                throw new InvalidDataException($"{path}: index format version {header.Version}; this bert-mlnet reads version {Version}. Use a newer bert-mlnet.");
            }

            var missing = new[] { ("model", header.Model), ("layers", header.Layers), ("pooling", header.Pooling), ("storage", header.Storage) }
                .FirstOrDefault(f => f.Item2 is null).Item1;
            var texts = header.Texts;
            if (missing is not null || texts is null)
            {
                throw new InvalidDataException($"{path}: index.json has no '{missing ?? "texts"}'.");
            }

            var nullText = Array.FindIndex(texts, t => t is null);
            if (!Enum.TryParse<VectorStorage>(header.Storage, out var storage) || header.Dimension is < 1 or > MaxDimension || texts.Length != header.Count
                || nullText >= 0)
            {
                throw new InvalidDataException(
                    $"{path}: index.json is inconsistent (storage '{header.Storage}', dimension {header.Dimension} of at most {MaxDimension}, {header.Count} rows, " +
                    $"{texts.Length} texts{(nullText >= 0 ? $", text {nullText} null" : string.Empty)}).");
            }

            var vectorsEntry = zip.GetEntry("vectors.f32") ?? throw new InvalidDataException($"{path}: no vectors.f32 inside.");
            var expected = 4L * header.Count * header.Dimension;
            if (vectorsEntry.Length != expected)
            {
                throw new InvalidDataException($"{path}: vectors.f32 holds {vectorsEntry.Length} bytes; {header.Count} rows of {header.Dimension} floats are {expected}.");
            }

            var bytes = new byte[expected];
            using (var stream = vectorsEntry.Open())
            {
                stream.ReadExactly(bytes);
            }

            var index = new VectorIndex(header.Dimension, SimilarityMetric.Cosine, storage);
            var vector = new float[header.Dimension];
            for (var row = 0; row < header.Count; row++)
            {
                for (var i = 0; i < vector.Length; i++)
                {
                    vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * ((row * vector.Length) + i)));
                }

                index.Add(vector);
            }

            var precision = header.Precision is null ? Precision.Float32
                : Commands.PrecisionOption.Choices.FirstOrDefault(c => c.Name == header.Precision) is { Name: not null } known ? known.Value
                : throw new InvalidDataException(
                    $"{path}: index.json names precision '{header.Precision}'; expected {string.Join(" or ", Commands.PrecisionOption.Choices.Select(c => c.Name))}.");
            return (new SearchIndexFile(header.Model, header.Layers, header.Pooling, storage, header.Dimension, texts) { Precision = precision }, index);
        }
        catch (Exception e) when (e is JsonException or EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: damaged index ({e.Message}).", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: not a bert-mlnet index ({e.Message}).", e);
        }
    }

    // As read, any field may be missing (null), and so may any text.
    private sealed record Header(string Format, int Version, string Model, string Layers, string Pooling, string Storage, int Dimension, int Count, string[] Texts,
        string? Precision = null);
}
