using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bert.MLNet.Trainers;

/// <content>
/// The model file: a zip archive with <c>manifest.json</c> (format name and version, trainer, task, feature
/// names, classes, metadata) and <c>parameters.bin</c> (the trainer's numbers, little-endian, exact).
/// </content>
public abstract partial class TrainedModel
{
    /// <summary>The format version this build writes; it reads this one and older ones.</summary>
    public const int FormatVersion = 1;

    private const string FormatName = "bert-mlnet-model";
    private const string ManifestEntry = "manifest.json";
    private const string ParametersEntry = "parameters.bin";

    /// <summary>Saves the model to a file (a zip archive).</summary>
    /// <param name="path">Where to write; an existing file is replaced.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot save the model to '{path}': the folder '{directory}' does not exist.");
        }

        using var stream = File.Create(path);
        Save(stream);
    }

    /// <summary>Saves the model to a stream.</summary>
    /// <param name="stream">A writable stream; left open.</param>
    public void Save(Stream stream)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var manifest = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = FormatVersion,
            ["trainer"] = TrainerName,
            ["task"] = Kind.ToString(),
            ["features"] = new JsonArray(FeatureNames.Select(n => (JsonNode)n).ToArray()),
            ["classes"] = Classes is null ? null : new JsonArray(Classes.Names.Select(n => (JsonNode)n).ToArray()),
            ["metadata"] = new JsonObject(Metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        using (var entry = archive.CreateEntry(ManifestEntry).Open())
        {
            using var json = new Utf8JsonWriter(entry, new JsonWriterOptions { Indented = true });
            manifest.WriteTo(json);
        }

        using var parameters = archive.CreateEntry(ParametersEntry).Open();
        using var writer = new BinaryWriter(parameters);
        WriteParameters(writer);
    }

    /// <summary>Loads a model saved by <see cref="Save(string)"/>.</summary>
    /// <param name="path">The model file.</param>
    public static TrainedModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The model file '{path}' does not exist.", path);
        }

        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Loads a model from a stream.</summary>
    /// <param name="stream">A readable, seekable stream holding a model file.</param>
    /// <param name="source">A name for the stream in error messages.</param>
    public static TrainedModel Load(Stream stream, string source = "the stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            var manifestEntry = archive.GetEntry(ManifestEntry) ?? throw Invalid(source, $"it has no {ManifestEntry}");
            JsonNode manifest;
            using (var json = manifestEntry.Open())
            {
                manifest = JsonNode.Parse(json) ?? throw Invalid(source, $"{ManifestEntry} is empty");
            }

            if ((string?)manifest["format"] != FormatName)
            {
                throw Invalid(source, $"{ManifestEntry} does not name the format '{FormatName}'");
            }

            var version = (int?)manifest["version"] ?? throw Invalid(source, "the manifest has no version");
            if (version > FormatVersion || version < 1)
            {
                throw Invalid(source, $"it has format version {version}; this build reads versions 1 to {FormatVersion}");
            }

            var kind = Enum.TryParse<PredictionKind>((string?)manifest["task"], out var k) ? k : throw Invalid(source, $"unknown task '{manifest["task"]}'");
            var features = manifest["features"]?.AsArray().Select(n => (string)n!).ToArray() ?? throw Invalid(source, "the manifest lists no features");
            var classes = manifest["classes"] is JsonArray names ? new ClassLabels(names.Select(n => (string)n!)) : null;
            var trainer = (string?)manifest["trainer"];
            var parametersEntry = archive.GetEntry(ParametersEntry) ?? throw Invalid(source, $"it has no {ParametersEntry}");
            using var parameters = parametersEntry.Open();
            using var reader = new BinaryReader(parameters);
            TrainedModel model = trainer switch
            {
                BoostedTreeModel.Name => BoostedTreeModel.ReadParameters(reader, kind, features, classes),
                LogisticRegressionModel.Name => LogisticRegressionModel.ReadParameters(reader, kind, features, classes),
                _ => throw Invalid(source, $"unknown trainer '{trainer}'"),
            };
            if (manifest["metadata"] is JsonObject metadata)
            {
                foreach (var (key, value) in metadata)
                {
                    model.Metadata[key] = (string?)value ?? string.Empty;
                }
            }

            return model;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw Invalid(source, $"it is damaged ({e.Message})");
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Cannot load", StringComparison.Ordinal))
        {
            throw Invalid(source, $"it is not a zip archive ({e.Message})");
        }
    }

    private static InvalidDataException Invalid(string source, string problem) =>
        new($"Cannot load a model from '{source}': {problem}. Expected a file written by TrainedModel.Save (bert-mlnet train).");
}
