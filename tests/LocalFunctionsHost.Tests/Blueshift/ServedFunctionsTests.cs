using System.Text.Json.Nodes;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests.Blueshift;

/// <summary>Blueshift's package published once, for its functions.metadata.</summary>
public sealed class PublishedMetadata : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("blueshift-local-host-package-").FullName;

    public JsonArray Functions { get; private set; } = [];

    public async Task InitializeAsync()
    {
        await FunctionAppPublisher.PublishAsync(_folder, selfContained: false);
        Functions = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "functions.metadata")))!.AsArray();
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class ServedFunctionsTests(PublishedMetadata package) : IClassFixture<PublishedMetadata>
{
    [Fact]
    public void Describe_BlueshiftAssembly_ServesExactlyWhatFunctionsMetadataDeclares()
    {
        var declared = package.Functions.Select(f =>
        {
            var trigger = f!["bindings"]!.AsArray().Single(b => ((string?)b!["type"])!.EndsWith("Trigger", StringComparison.Ordinal))!;
            return Row((string)f["name"]!, (string?)trigger["type"], (string?)trigger["route"],
                (trigger["methods"] as JsonArray)?.Select(m => (string)m!), (string?)trigger["authLevel"], (string?)trigger["schedule"]);
        }).Order();

        var served = FunctionAppHost.Describe(typeof(Functions.Program).Assembly)
            .Select(f => Row(f.Name, f.TriggerType, f.Route, f.Methods, f.AuthLevel, f.Schedule)).Order();

        Assert.Equal(declared, served);
    }

    private static string Row(string name, string? type, string? route, IEnumerable<string>? methods, string? authLevel, string? schedule) =>
        $"{name} {type} {route} {string.Join(",", (methods ?? []).Select(m => m.ToLowerInvariant()).Order())} {authLevel?.ToLowerInvariant()} {schedule}";
}
