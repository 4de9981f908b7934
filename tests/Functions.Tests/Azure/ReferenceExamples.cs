using System.Text.Json;
using System.Text.Json.Nodes;
using Blueshift.Testing;

namespace Blueshift.Functions.Tests.Azure;

/// <summary>Reads Microsoft's REST API examples in tests/Fixtures (never edited: variations are derived here).</summary>
public static class ReferenceExamples
{
    public static JsonNode Load(string folder, string file) =>
        JsonNode.Parse(File.ReadAllText(RepositoryPaths.InReference(folder, file)), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true })!;

    public static JsonNode Web(string file) => Load("arm-web", file);

    public static JsonNode Metrics(string file) => Load("arm-metrics", file);

    /// <summary>The response body of an example for a status, as JSON text.</summary>
    public static string ResponseBody(JsonNode example, int status) => example["responses"]![status.ToString()]!["body"]!.ToJsonString();

    /// <summary>True when two JSON documents are equal ignoring property order.</summary>
    public static bool JsonEquals(string actual, JsonNode expected) => JsonNode.DeepEquals(JsonNode.Parse(actual), expected);
}
