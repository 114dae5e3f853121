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

            if (!Enum.TryParse<VectorStorage>(header.Storage, out var storage) || header.Dimension < 1 || header.Texts.Length != header.Count)
            {
                throw new InvalidDataException($"{path}: index.json is inconsistent (storage '{header.Storage}', dimension {header.Dimension}, {header.Count} rows, {header.Texts.Length} texts).");
            }

            var vectorsEntry = zip.GetEntry("vectors.f32") ?? throw new InvalidDataException($"{path}: no vectors.f32 inside.");
            var bytes = new byte[checked(4L * header.Count * header.Dimension)];
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
            return (new SearchIndexFile(header.Model, header.Layers, header.Pooling, storage, header.Dimension, header.Texts) { Precision = precision }, index);
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

    private sealed record Header(string Format, int Version, string Model, string Layers, string Pooling, string Storage, int Dimension, int Count, string[] Texts,
        string? Precision = null);
}
