using System.Text.Json.Nodes;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

[Collection(LocalHostCollection.Name)]
public sealed class PublishedFolderTests(LocalHostFixture host)
{
    [Fact]
    public void Publish_ProducesHostJsonFunctionFoldersAndAnExecutableHandler()
    {
        var folder = host.Published.Folder;

        Assert.Equal(File.ReadAllText(RepositoryPaths.InRepository("host.json")), File.ReadAllText(Path.Combine(folder, "host.json")));
        var handler = Path.Combine(folder, (string)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "host.json")))!["customHandler"]!["description"]!["defaultExecutablePath"]!);
        Assert.True(File.Exists(handler), handler);
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(handler) & UnixFileMode.UserExecute) != 0, $"{handler} is not executable.");
        }
        var functions = Directory.EnumerateDirectories(folder)
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .Select(Path.GetFileName)
            .ToHashSet(StringComparer.Ordinal);
        Assert.Subset(
            functions,
            new HashSet<string?>(StringComparer.Ordinal)
            {
                "DiagnosticsEcho", "DiagnosticsInvocations", "DiagnosticsQueue", "DiagnosticsTimer", "Health", "HealthLive", "HealthReady",
                "StartRelease", "ListReleases", "GetRelease", "ApproveRelease", "AbortRelease", "PromoteRelease", "RollBackRelease",
                "PutApp", "GetApp", "ListApps", "QueryAudit", "OpenApiDocument",
            });
    }
}
