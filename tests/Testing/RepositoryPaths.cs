namespace Blueshift.Testing;

/// <summary>Locates the checkout from a test's output folder, so fixtures find node_modules, shared reference data and published folders.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds Functions.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The shared reference data published by Microsoft (../shared/reference beside the checkout).</summary>
    public static string Reference => Path.GetFullPath(Path.Combine(Root, "..", "shared", "reference"));

    public static string InRepository(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string InReference(params string[] parts) => Path.Combine([Reference, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Functions.sln above {AppContext.BaseDirectory}: run the tests from a Blueshift checkout.");
    }
}
