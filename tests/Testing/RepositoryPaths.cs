namespace Blueshift.Testing;

/// <summary>Locates the checkout from a test's output folder, so fixtures find node_modules, the test fixtures and published folders.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds Functions.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>
    /// The reference data published by Microsoft and SchemaStore, kept in the repository as test fixtures
    /// (tests/Fixtures, see its README): a fresh clone holds everything its tests read.
    /// </summary>
    public static string Reference => Path.Combine(Root, "tests", "Fixtures");

    public static string InRepository(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A file or folder under <see cref="Reference"/> (tests/Fixtures).</summary>
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
