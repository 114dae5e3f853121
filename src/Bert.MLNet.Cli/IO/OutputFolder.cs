namespace Bert.MLNet.Cli.IO;

/// <summary>
/// A folder of outputs published together, as <see cref="OutputFile"/> does for one file. Made before any work: the
/// files go into a staging folder on the target's filesystem — beside a target that does not exist yet, which
/// <see cref="Commit"/> then renames into place in one step, or inside an existing target, whose same-named files
/// <see cref="Commit"/> replaces by rename, keeping the old ones until every new one is in and putting them back if
/// one fails. Nothing else in the folder is touched: the staging folder only ever holds this process's files.
/// Disposed without a commit, the staging folder goes.
/// </summary>
internal sealed class OutputFolder : IDisposable
{
    private const string StageSuffix = ".partial";
    private const string OldSuffix = ".old";
    private const string InnerPrefix = ".bert-mlnet";
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

    /// <summary>Checks <paramref name="path"/> as the value of <paramref name="option"/> and makes the staging folder.</summary>
    /// <exception cref="IOException">The path is a file, or it or the folders it would go in cannot be made or written (the message names the option).</exception>
    internal static OutputFolder Create(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new IOException($"{option} is empty; expected a folder path.");
        }

        var full = OutputFile.RealPath(path);
        if (File.Exists(full))
        {
            throw new IOException($"{option} '{path}' is a file; expected a folder (it is created if missing).");
        }

        var parent = System.IO.Path.GetDirectoryName(full) ?? throw new IOException($"{option} '{path}' is a root folder; expected a folder of its own.");
        try
        {
            Directory.CreateDirectory(parent);  // As the target itself, missing parent folders are made.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} '{path}': the folder '{parent}' it would go in cannot be made: {e.Message}", e);
        }

        var name = System.IO.Path.GetFileName(full);
        var exists = Directory.Exists(full);
        Sweep(parent, name + ".");
        if (exists)
        {
            Sweep(full, InnerPrefix + ".");
            RestoreBackups(full);
        }

        var unique = $"{Environment.ProcessId}.{Guid.NewGuid():N}{StageSuffix}";
        var stage = exists ? System.IO.Path.Combine(full, $"{InnerPrefix}.{unique}") : $"{full}.{unique}";
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

    /// <summary>Puts the staged files in place; returns their names.</summary>
    internal IReadOnlyList<string> Commit()
    {
        var staged = Directory.GetFiles(Stage).Order(StringComparer.Ordinal).ToArray();
        var names = staged.Select(f => System.IO.Path.GetFileName(f)!).ToArray();
        if (!Directory.Exists(Path) && System.IO.Path.GetDirectoryName(Stage) != Path)
        {
            Directory.Move(Stage, Path);
            committed = true;
            return names;
        }

        // Same folder, same filesystem: each old file steps aside under a backup name, then the new one takes its place.
        var unique = $"{Environment.ProcessId}.{Guid.NewGuid():N}{OldSuffix}";
        var done = new List<(string Target, string? Backup)>();
        try
        {
            Directory.CreateDirectory(Path);
            foreach (var file in staged)
            {
                var target = System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file));
                string? backup = null;
                if (File.Exists(target))
                {
                    backup = System.IO.Path.Combine(Path, $"{InnerPrefix}.{System.IO.Path.GetFileName(file)}.{unique}");
                    File.Move(target, backup);
                }

                done.Add((target, backup));
                File.Move(file, target);
            }
        }
        catch
        {
            foreach (var (target, backup) in Enumerable.Reverse(done))
            {
                if (backup is not null && File.Exists(backup))
                {
                    File.Move(backup, target, overwrite: true);
                }
                else if (backup is null)
                {
                    TryDeleteFile(target);
                }
            }

            throw;
        }

        committed = true;
        foreach (var (_, backup) in done)
        {
            if (backup is not null)
            {
                TryDeleteFile(backup);
            }
        }

        TryDelete(Stage);
        return names;
    }

    /// <summary>Deletes the staging folder (which holds only this process's files) unless committed.</summary>
    public void Dispose()
    {
        if (!committed)
        {
            TryDelete(Stage);
        }
    }

    // Staging folders of processes that have ended: <prefix><pid>.<guid>.partial.
    private static void Sweep(string folder, string prefix)
    {
        foreach (var entry in Stale(folder, prefix, StageSuffix, directories: true))
        {
            TryDelete(entry);
        }
    }

    // Old files a process set aside and did not get to delete or put back: a commit that stopped half-way is undone.
    private static void RestoreBackups(string folder)
    {
        foreach (var backup in Stale(folder, InnerPrefix + ".", OldSuffix, directories: false))
        {
            // .bert-mlnet.<name>.<pid>.<guid>.old
            var core = System.IO.Path.GetFileName(backup)[(InnerPrefix.Length + 1)..^OldSuffix.Length];
            var name = core[..core.LastIndexOf('.', core.LastIndexOf('.') - 1)];
            try
            {
                File.Move(backup, System.IO.Path.Combine(folder, name), overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left as it is: never deleted, so nothing of the user's is lost.
            }
        }
    }

    // Entries named <prefix>...<pid>.<32 hex digits><suffix> whose process has ended.
    internal static IEnumerable<string> Stale(string folder, string prefix, string suffix, bool directories)
    {
        string[] entries;
        try
        {
            entries = directories ? Directory.GetDirectories(folder) : Directory.GetFiles(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return entries.Where(entry =>
        {
            var name = System.IO.Path.GetFileName(entry);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return false;
            }

            var parts = name[..^suffix.Length].Split('.');
            return parts.Length >= 2 && Guid.TryParseExact(parts[^1], "N", out _) && int.TryParse(parts[^2], out var pid)
                && pid != Environment.ProcessId && !ProcessIds.IsRunning(pid);
        }).ToArray();
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

    private static void TryDeleteFile(string file)
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
