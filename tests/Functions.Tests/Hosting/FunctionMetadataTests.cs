using System.Text.Json.Nodes;
using Blueshift.Functions.Diagnostics;
using Blueshift.Functions.Health;
using Blueshift.Functions.Hosting;
using Blueshift.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Blueshift.Functions.Tests.Hosting;

public sealed class FunctionMetadataTests
{
    private static readonly FunctionCatalog Catalog = new([new HealthModule(), new DiagnosticsModule(), new TestFunctionModule()]);

    // Loaded on first use, not when the class is initialised: the theories' data must not depend on the file, so a
    // missing schema fails each case instead of collapsing the theories into fewer cases at discovery.
    private static readonly Lazy<JsonSchema> FunctionJsonSchema = new(() => JsonSchema.Load(RepositoryPaths.InReference("schemas", "function.json")));

    public static TheoryData<string> FunctionNames => new(Catalog.Functions.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void ToFunctionJson_EachCatalogEntry_ValidatesAgainstSchema(string name)
    {
        var json = FunctionMetadata.ToFunctionJson(Catalog.Find(name)!);

        Assert.Empty(FunctionJsonSchema.Value.Validate(json));
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void ToFunctionJson_EachCatalogEntry_DeclaresItsTrigger(string name)
    {
        var function = Catalog.Find(name)!;

        var bindings = FunctionMetadata.ToFunctionJson(function)["bindings"]!.AsArray().Select(b => b!.AsObject()).ToArray();

        var trigger = bindings[0];
        Assert.Equal("in", (string?)trigger["direction"]);
        switch (function)
        {
            case HttpFunction http:
                Assert.Equal("httpTrigger", (string?)trigger["type"]);
                Assert.Equal(http.Route, (string?)trigger["route"]);
                Assert.Equal(http.AuthLevel.ToString().ToLowerInvariant(), (string?)trigger["authLevel"]);
                Assert.Equal(http.Methods.Select(m => m.ToLowerInvariant()), trigger["methods"]!.AsArray().Select(m => (string?)m));
                // Forwarded HTTP requests need exactly an HTTP trigger and an HTTP output (enableForwardingHttpRequest).
                Assert.Equal(2, bindings.Length);
                Assert.Equal("http", (string?)bindings[1]["type"]);
                Assert.Equal("out", (string?)bindings[1]["direction"]);
                break;
            case TimerFunction timer:
                Assert.Equal("timerTrigger", (string?)trigger["type"]);
                Assert.Equal(timer.Schedule, (string?)trigger["schedule"]);
                Assert.Equal(timer.RunOnStartup, (bool?)trigger["runOnStartup"]);
                Assert.Equal("timer", (string?)trigger["name"]);
                break;
            case QueueFunction queue:
                Assert.Equal("queueTrigger", (string?)trigger["type"]);
                Assert.Equal(queue.QueueName, (string?)trigger["queueName"]);
                Assert.Equal(queue.Connection, (string?)trigger["connection"]);
                Assert.Equal("message", (string?)trigger["name"]);
                break;
            default:
                Assert.Fail($"Unexpected function type {function.GetType().Name}");
                break;
        }
    }

    [Fact]
    public void Write_CatalogToFolder_OneFunctionJsonPerFunctionAndStaleFoldersRemoved()
    {
        var folder = Directory.CreateTempSubdirectory("blueshift-metadata-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "Retired"));
            File.WriteAllText(Path.Combine(folder, "Retired", "function.json"), "{}");
            Directory.CreateDirectory(Path.Combine(folder, "runtimes"));

            FunctionMetadata.Write(Catalog, folder, NullLogger.Instance);

            foreach (var function in Catalog.Functions)
            {
                var written = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, function.Name, "function.json")));
                Assert.True(JsonNode.DeepEquals(FunctionMetadata.ToFunctionJson(function), written), function.Name);
            }
            Assert.False(Directory.Exists(Path.Combine(folder, "Retired")));
            Assert.True(Directory.Exists(Path.Combine(folder, "runtimes")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void HostJson_ValidatesAgainstVersion2SchemaAndConfiguresTheCustomHandler()
    {
        var hostJson = JsonNode.Parse(File.ReadAllText(RepositoryPaths.InRepository("host.json")))!;
        var schema = JsonSchema.Load(RepositoryPaths.InReference("schemas", "host.json"), "#/definitions/version-2");

        Assert.Empty(schema.Validate(hostJson));
        Assert.Equal("2.0", (string?)hostJson["version"]);
        Assert.Equal("Blueshift.Functions", (string?)hostJson["customHandler"]!["description"]!["defaultExecutablePath"]);
        Assert.True((bool?)hostJson["customHandler"]!["enableForwardingHttpRequest"]);
        Assert.Equal(FunctionCatalog.RoutePrefix, (string?)hostJson["extensions"]!["http"]!["routePrefix"]);
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", (string?)hostJson["extensionBundle"]!["id"]);
        Assert.Equal("[4.*, 5.0.0)", (string?)hostJson["extensionBundle"]!["version"]);
    }

    [Fact]
    public void Validate_ReferenceFunctionJsonAndABrokenOne_AcceptsTheFirstRejectsTheSecond()
    {
        // Guards the validator itself: the documented sample passes, a wrong authLevel does not.
        var sample = JsonNode.Parse(File.ReadAllText(RepositoryPaths.InReference("custom-handler", "function-json-hello-http.json")))!;
        var broken = sample.DeepClone();
        broken["bindings"]![0]!["authLevel"] = "everyone";

        Assert.Empty(FunctionJsonSchema.Value.Validate(sample));
        Assert.NotEmpty(FunctionJsonSchema.Value.Validate(broken));
    }
}
