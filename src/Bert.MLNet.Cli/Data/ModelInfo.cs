using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bert.MLNet.Cli.Data;

/// <summary>
/// What <c>train</c> records about a model, as an extra <c>bert-mlnet.json</c> entry in its <c>model.zip</c>: ML.NET
/// keeps extra entries on load and reads none, so the file stays an ordinary ML.NET model, and <c>evaluate</c> and
/// <c>predict</c> know the task, the label and text columns and the classes — and refuse a zip without it.
/// </summary>
internal sealed record ModelInfo(
    int Format,
    string Task,
    string LabelColumn,
    IReadOnlyList<string> TextColumns,
    IReadOnlyList<string> Classes,
    string Metric,
    string Features,
    string Trainer,
    double Score)
{
    /// <summary>The BERT the model was built on: a known name or a folder's name (absent in zips of earlier versions).</summary>
    public string? Model { get; init; }

    /// <summary>The SHA-256 of that BERT's ONNX file.</summary>
    public string? ModelFingerprint { get; init; }

    /// <summary>The precision the BERT runs in inside the zip: fp32 or int8 (absent in zips of earlier versions: fp32).</summary>
    public string? Precision { get; init; }

    /// <summary>A line saying which BERT a zip was built with, for evaluate and predict.</summary>
    internal string BuiltWith(string zip) => Model is null
        ? $"{zip}: built by an earlier bert-mlnet that did not record its BERT"
        : $"{zip}: built with {Model} (sha256 {ModelFingerprint?[..Math.Min(12, ModelFingerprint.Length)]}, {Precision ?? "fp32"}), {Features}, {Trainer}";

    internal const string EntryName = "bert-mlnet.json";
    internal const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>Adds this record to a saved model.</summary>
    internal void WriteTo(string modelZip)
    {
        using var zip = ZipFile.Open(modelZip, ZipArchiveMode.Update);
        using var stream = zip.CreateEntry(EntryName).Open();
        JsonSerializer.Serialize(stream, this, Json);
    }

    /// <summary>The record of a model written by <c>train</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a zip, or not a model <c>train</c> wrote, or from a newer version.</exception>
    internal static ModelInfo Read(string modelZip)
    {
        if (!File.Exists(modelZip))
        {
            throw new FileNotFoundException($"Model '{modelZip}' does not exist.", modelZip);
        }

        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(modelZip);
        }
        catch (InvalidDataException)
        {
            throw new InvalidDataException($"Model '{modelZip}' is not a model file (not a zip archive); expected the model.zip that bert-mlnet train writes.");
        }

        using (zip)
        {
            var entry = zip.GetEntry(EntryName)
                ?? throw new InvalidDataException(
                    $"Model '{modelZip}' was not written by bert-mlnet train (it has no {EntryName}); evaluate and predict need one of its models.");
            using var stream = entry.Open();
            ModelInfo? info;
            try
            {
                info = JsonSerializer.Deserialize<ModelInfo>(stream, Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Model '{modelZip}': {EntryName} is damaged ({e.Message}).");
            }

            if (info is not null && info.Format > CurrentFormat)
            {
                throw new InvalidDataException(
                    $"Model '{modelZip}' has {EntryName} format {info.Format}; this bert-mlnet reads format {CurrentFormat} and older. Use a newer bert-mlnet.");
            }

            if ((info is null ? "it is empty" : info.Problem()) is { } problem)
            {
                throw new InvalidDataException($"Model '{modelZip}': {EntryName} is damaged ({problem}).");
            }

            return info!;
        }
    }

    // What a record read from a file lacks, or null when it is whole (JSON may leave out any field).
    private string? Problem()
    {
        if (Task is not ("binary" or "multiclass" or "regression"))
        {
            return $"task '{Task}', expected binary, multiclass or regression";
        }

        if (string.IsNullOrEmpty(LabelColumn) || TextColumns is not { Count: 1 or 2 } || TextColumns.Any(string.IsNullOrEmpty))
        {
            return "no label column, or not one or two text columns";
        }

        var classes = IsRegression ? 0 : IsBinary ? 2 : -1;
        if (Classes is null || Classes.Any(c => c is null) || (classes >= 0 ? Classes.Count != classes : Classes.Count < 2))
        {
            return $"{Classes?.Count} classes for a {Task} task";
        }

        return Metric is null || Features is null || Trainer is null ? "no metric, features or trainer" : null;
    }

    [JsonIgnore]
    internal bool IsRegression => Task == "regression";

    [JsonIgnore]
    internal bool IsBinary => Task == "binary";
}
