namespace Bert.MLNet.Cli.IO;

/// <summary>
/// A file a command writes whole or not at all. Made before any work, so a wrong <c>--output</c> fails first and by
/// name: a folder, a missing or unwritable folder, or a file that is also one of the command's inputs. The content goes
/// to a temporary sibling (same folder, so the same filesystem) that <see cref="Commit"/> flushes and renames over the
/// target; disposed without a commit (an error, Ctrl+C), the sibling is deleted and a previous file is untouched.
/// Siblings left by a process that was killed (SIGKILL cannot be caught) are swept when the next one starts.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private const string Suffix = ".partial";

    private readonly string? temporary;
    private bool committed;

    // temporary: the sibling written, or null when the target is a device written straight through.
    private OutputFile(string path, string? temporary, FileStream stream)
    {
        Path = path;
        this.temporary = temporary;
        Stream = stream;
    }

    /// <summary>The target path.</summary>
    internal string Path { get; }

    /// <summary>The temporary sibling's stream, to write the content into.</summary>
    internal FileStream Stream { get; }

    /// <summary>Checks <paramref name="path"/> as the value of <paramref name="option"/> and opens its temporary sibling.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="option">The option that named it, for messages (<c>--output</c>).</param>
    /// <param name="inputs">The command's input files: the output may be none of them.</param>
    /// <exception cref="IOException">The path is a folder, is an input, or its folder is missing or cannot be written (the message names the option).</exception>
    internal static OutputFile Create(string path, string option, params string?[] inputs)
    {
        CheckTarget(path, option, inputs);
        var full = RealPath(path);
        if (IsDevice(full))
        {
            // /dev/null, /dev/stdout: written straight through; there is nothing to keep whole.
            return new OutputFile(full, null, new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite));
        }

        var folder = System.IO.Path.GetDirectoryName(full)!;
        foreach (var stale in OutputFolder.Stale(folder, System.IO.Path.GetFileName(full) + ".", Suffix, directories: false))
        {
            TryDelete(stale);
        }

        var temporary = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}{Suffix}";
        try
        {
            return new OutputFile(full, temporary, new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} '{path}' cannot be written: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses a path that cannot be an output of a command: a folder, a file in a folder that does not exist, or a file that
    /// is one of <paramref name="inputs"/> (by identity: after symbolic links, with the file system's case rule).
    /// </summary>
    /// <exception cref="IOException">The message names the option and what was expected.</exception>
    private static void CheckTarget(string path, string option, params string?[] inputs)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new IOException($"{option} is empty; expected a file path.");
        }

        var full = RealPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"{option} '{path}' is a folder; expected a file path.");
        }

        var folder = System.IO.Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder))
        {
            throw new IOException($"{option} '{path}': the folder '{folder}' does not exist.");
        }

        foreach (var input in inputs)
        {
            if (input is not null && SameFile(input, full))
            {
                throw new IOException($"{option} '{path}' is also an input of this command ('{input}'); write the output to another file.");
            }
        }
    }

    /// <summary>Flushes the content to disk and renames it over the target, with the target's permissions when it had a file.</summary>
    internal void Commit()
    {
        if (temporary is null)
        {
            Stream.Flush();
            Stream.Dispose();
            committed = true;
            return;
        }

        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        if (!OperatingSystem.IsWindows() && File.Exists(Path))
        {
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(Path));
        }

        File.Move(temporary, Path, overwrite: true);
        committed = true;
    }

    /// <summary>Deletes the temporary sibling unless committed.</summary>
    public void Dispose()
    {
        try
        {
            Stream.Dispose();
        }
        catch (IOException)
        {
            // A flush that fails (a full disk) is the error already on its way; the sibling still goes.
        }

        if (!committed && temporary is not null)
        {
            TryDelete(temporary);
        }
    }

    /// <summary>Whether two paths name one file: the same real path once every symbolic link on the way is followed (hard links are not seen).</summary>
    internal static bool SameFile(string a, string b)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return string.Equals(RealPath(a), RealPath(b), comparison);
    }

    /// <summary>The full path with every symbolic link in it followed, folder by folder (the part that does not exist stays as written).</summary>
    internal static string RealPath(string path)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        var parent = System.IO.Path.GetDirectoryName(full);
        if (parent is null)
        {
            return full;
        }

        var candidate = System.IO.Path.Combine(RealPath(parent), System.IO.Path.GetFileName(full));
        try
        {
            return File.ResolveLinkTarget(candidate, returnFinalTarget: true) is { } target ? RealPath(target.FullName) : candidate;
        }
        catch (IOException)
        {
            return candidate; // A link loop, or a link that cannot be read: compared as written.
        }
    }

    private static bool IsDevice(string path) =>
        !OperatingSystem.IsWindows() && path.StartsWith("/dev/", StringComparison.Ordinal) && File.Exists(path);

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next sweep.
        }
    }
}
