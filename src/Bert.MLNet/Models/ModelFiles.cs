namespace Bert.MLNet;

/// <summary>The files a BERT model is made of, as found on disk.</summary>
/// <param name="OnnxPath">The ONNX graph.</param>
/// <param name="TokenizerPath">The folder holding <c>vocab.txt</c> or <c>tokenizer.json</c>.</param>
/// <param name="ConfigPath">The Hugging Face <c>config.json</c>, or null when there is none.</param>
public sealed record ModelFiles(string OnnxPath, string TokenizerPath, string? ConfigPath)
{
    /// <summary>The known model these files are, when the path was one of <see cref="PretrainedModels.Names"/>; otherwise null.</summary>
    public PretrainedModel? Pretrained { get; init; }

    /// <summary>
    /// Finds the files for a path: a folder with <c>model.onnx</c> or <c>onnx/model.onnx</c>, an <c>.onnx</c> file
    /// with its vocabulary beside it (or in the folder above an <c>onnx/</c> folder), or the name of a known model
    /// (<see cref="PretrainedModels"/>), whose files are written into the cache on first use. An existing path wins over a name.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing usable there (the message lists where it looked), or neither a path nor a known name (the message lists the names).</exception>
    /// <exception cref="IOException">A known model's cache folder cannot be written.</exception>
    public static ModelFiles Locate(string path) => Locate(path, CancellationToken.None);

    internal static ModelFiles Locate(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            var known = PretrainedModels.Find(path) ?? throw BertErrors.Missing(PretrainedModels.UnknownName(path), path);
            return LocateOnDisk(PretrainedModels.Materialize(known.Name, cancellationToken)) with { Pretrained = known };
        }

        return LocateOnDisk(path);
    }

    /// <summary>
    /// What a tokenizer loads from for a path: a known model's folder for its name, the tokenizer beside an .onnx file
    /// (as embedding finds it), else the path itself (a folder, vocab.txt or tokenizer.json).
    /// </summary>
    internal static string TokenizerSource(string path) =>
        File.Exists(path) && path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? LocateOnDisk(path).TokenizerPath
        : !File.Exists(path) && !Directory.Exists(path) && PretrainedModels.Find(path) is not null ? Locate(path, CancellationToken.None).TokenizerPath
        : path;

    private static ModelFiles LocateOnDisk(string path)
    {
        string onnx;
        string folder;
        if (Directory.Exists(path))
        {
            folder = path;
            var candidates = new[] { Path.Combine(path, "model.onnx"), Path.Combine(path, "onnx", "model.onnx") };
            onnx = candidates.FirstOrDefault(File.Exists)
                ?? throw BertErrors.Missing($"No ONNX model in '{path}': looked for {string.Join(" and ", candidates)}.", candidates[0]);
        }
        else if (File.Exists(path))
        {
            onnx = path;
            folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!HasTokenizer(folder) && Path.GetFileName(folder) == "onnx" && Path.GetDirectoryName(folder) is { } parent && HasTokenizer(parent))
            {
                folder = parent;
            }
        }
        else
        {
            throw BertErrors.Missing(PretrainedModels.UnknownName(path), path);
        }

        if (!HasTokenizer(folder))
        {
            throw BertErrors.Missing($"No vocabulary for the model '{onnx}': expected vocab.txt or tokenizer.json in '{folder}'.", Path.Combine(folder, "vocab.txt"));
        }

        var config = Path.Combine(folder, "config.json");
        return new ModelFiles(onnx, folder, File.Exists(config) ? config : null);
    }

    private static bool HasTokenizer(string folder) =>
        File.Exists(Path.Combine(folder, "vocab.txt")) || File.Exists(Path.Combine(folder, "tokenizer.json"));
}
