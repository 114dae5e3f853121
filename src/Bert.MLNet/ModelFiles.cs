namespace Bert.MLNet;

/// <summary>The files a BERT model is made of, as found on disk.</summary>
/// <param name="OnnxPath">The ONNX graph.</param>
/// <param name="TokenizerPath">The folder holding <c>vocab.txt</c> or <c>tokenizer.json</c>.</param>
/// <param name="ConfigPath">The Hugging Face <c>config.json</c>, or null when there is none.</param>
public sealed record ModelFiles(string OnnxPath, string TokenizerPath, string? ConfigPath)
{
    /// <summary>
    /// Finds the files for a path: a folder with <c>model.onnx</c> or <c>onnx/model.onnx</c>, or an <c>.onnx</c> file
    /// with its vocabulary beside it (or in the folder above an <c>onnx/</c> folder).
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing usable there; the message lists where it looked.</exception>
    public static ModelFiles Locate(string path)
    {
        string onnx;
        string folder;
        if (Directory.Exists(path))
        {
            folder = path;
            var candidates = new[] { Path.Combine(path, "model.onnx"), Path.Combine(path, "onnx", "model.onnx") };
            onnx = candidates.FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"No ONNX model in '{path}': looked for {string.Join(" and ", candidates)}.", candidates[0]);
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
            throw new FileNotFoundException($"Model path '{path}' does not exist; expected a model folder or an .onnx file.", path);
        }

        if (!HasTokenizer(folder))
        {
            throw new FileNotFoundException($"No vocabulary for the model '{onnx}': expected vocab.txt or tokenizer.json in '{folder}'.", Path.Combine(folder, "vocab.txt"));
        }

        var config = Path.Combine(folder, "config.json");
        return new ModelFiles(onnx, folder, File.Exists(config) ? config : null);
    }

    private static bool HasTokenizer(string folder) =>
        File.Exists(Path.Combine(folder, "vocab.txt")) || File.Exists(Path.Combine(folder, "tokenizer.json"));
}
