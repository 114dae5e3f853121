namespace Bert.MLNet.Cli.IO;

/// <summary>
/// A folder of outputs published all at once, as <see cref="OutputFile"/> does for one file. Made before any work:
/// the files go into a staging folder beside the target (same filesystem), which <see cref="Commit"/> puts in the
/// target's place by rename. An existing target's other files are carried over first, so the folder a user reads holds
/// either all the old outputs or all the new ones, never a mix; disposed without a commit, the staging folder goes.
/// </summary>
internal sealed class OutputFolder : IDisposable
{
    private const string StageSuffix = ".partial";
    private const string OldSuffix = ".old";
    private bool committed;

    private OutputFolder(string path, string stage)
    {
        Path = path;
        Stage = stage;
    }

    /// <summary>The target folder.</summary>
    internal string Path { get; }

    /// <summary>The staging folder to write the outputs into.</summary>
    internal string Stage { get; }

    /// <summary>Checks <paramref name="path"/> as the value of <paramref name="option"/> and makes the staging folder beside it.</summary>
    /// <exception cref="IOException">The path is a file or the folder it would go in does not exist or cannot be written (the message names the option).</exception>
    internal static OutputFolder Create(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new IOException($"{option} is empty; expected a folder path.");
        }

        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        if (File.Exists(full))
        {
            throw new IOException($"{option} '{path}' is a file; expected a folder (it is created if missing).");
        }

        var parent = System.IO.Path.GetDirectoryName(full);
        if (parent is null || !Directory.Exists(parent))
        {
            throw new IOException($"{option} '{path}': the folder '{parent}' it would go in does not exist.");
        }

        SweepStale(parent, System.IO.Path.GetFileName(full), full);
        var stage = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}{StageSuffix}";
        try
        {
            Directory.CreateDirectory(stage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} '{path}' cannot be written: {e.Message}", e);
        }

        return new OutputFolder(full, stage);
    }

    /// <summary>Puts the staged files in the target's place; returns their names.</summary>
    internal IReadOnlyList<string> Commit()
    {
        var names = Directory.GetFiles(Stage).Select(f => System.IO.Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
        if (!Directory.Exists(Path))
        {
            Directory.Move(Stage, Path);
            committed = true;
            return names;
        }

        // Whatever else the folder holds stays: moved into the new one before the swap.
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path))
        {
            var name = System.IO.Path.GetFileName(entry);
            if (!names.Contains(name, StringComparer.Ordinal))
            {
                var target = System.IO.Path.Combine(Stage, name);
                if (Directory.Exists(entry))
                {
                    Directory.Move(entry, target);
                }
                else
                {
                    File.Move(entry, target);
                }
            }
        }

        var old = $"{Path}.{Environment.ProcessId}.{Guid.NewGuid():N}{OldSuffix}";
        Directory.Move(Path, old);
        try
        {
            Directory.Move(Stage, Path);
        }
        catch
        {
            Directory.Move(old, Path);
            throw;
        }

        committed = true;
        TryDelete(old);
        return names;
    }

    /// <summary>Deletes the staging folder unless committed.</summary>
    public void Dispose()
    {
        if (!committed)
        {
            TryDelete(Stage);
        }
    }

    // Staging folders of processes that have ended, and a previous folder left between the two renames of a swap
    // (put back when the target is missing, deleted otherwise).
    private static void SweepStale(string parent, string name, string target)
    {
        string[] entries;
        try
        {
            entries = Directory.GetDirectories(parent, name + ".*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        // .NET's pattern "name.*" also matches "name" itself.
        foreach (var entry in entries.Where(e => System.IO.Path.GetFileName(e).Length > name.Length + 1))
        {
            var parts = System.IO.Path.GetFileName(entry)[(name.Length + 1)..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out var pid) || pid == Environment.ProcessId || ProcessIds.IsRunning(pid))
            {
                continue;
            }

            if ("." + parts[2] == OldSuffix && !Directory.Exists(target))
            {
                Directory.Move(entry, target);
            }
            else if ("." + parts[2] is StageSuffix or OldSuffix)
            {
                TryDelete(entry);
            }
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next sweep.
        }
    }
}

/// <summary>Whether a process is alive, for sweeping what a killed one left.</summary>
internal static class ProcessIds
{
    internal static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
