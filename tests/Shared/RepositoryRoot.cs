namespace Bert.MLNet.Testing;

/// <summary>The repository's root folder (the one holding Bert.MLNet.sln), found upward from the running assembly.</summary>
internal static class RepositoryRoot
{
    internal static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Bert.MLNet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Bert.MLNet.sln above {AppContext.BaseDirectory}.");
    }
}
