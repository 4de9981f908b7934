using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>Compares the shape (keys and value kinds) of an emulator response with a Microsoft reference example.</summary>
internal static class JsonShape
{
    public static JsonNode LoadExample(string folder, string file, params string[] path)
    {
        var node = JsonNode.Parse(File.ReadAllText(Blueshift.Testing.RepositoryPaths.InReference(folder, file)))!;
        foreach (var part in path)
        {
            node = node[part] ?? throw new KeyNotFoundException($"{file} has no '{part}'.");
        }
        return node;
    }

    /// <summary>Paths present in <paramref name="expected"/> but missing (or of another JSON kind) in <paramref name="actual"/>; nulls match anything.</summary>
    public static List<string> Missing(JsonNode? expected, JsonNode? actual, string at = "$", ISet<string>? ignore = null)
    {
        var problems = new List<string>();
        if (expected is null || actual is null || ignore?.Contains(at) == true)
        {
            return problems;
        }
        switch (expected)
        {
            case JsonObject expectedObject:
                if (actual is not JsonObject actualObject)
                {
                    problems.Add($"{at}: expected an object, got {actual.GetValueKind()}");
                    break;
                }
                foreach (var (key, value) in expectedObject)
                {
                    var child = $"{at}.{key}";
                    if (ignore?.Contains(child) == true)
                    {
                        continue;
                    }
                    if (!actualObject.ContainsKey(key))
                    {
                        problems.Add($"{child}: missing");
                        continue;
                    }
                    problems.AddRange(Missing(value, actualObject[key], child, ignore));
                }
                break;
            case JsonArray expectedArray:
                if (actual is not JsonArray actualArray)
                {
                    problems.Add($"{at}: expected an array, got {actual.GetValueKind()}");
                    break;
                }
                if (expectedArray.Count > 0 && actualArray.Count > 0)
                {
                    problems.AddRange(Missing(expectedArray[0], actualArray[0], at + "[0]", ignore));
                }
                break;
            default:
                var expectedKind = Normalise(expected.GetValueKind());
                var actualKind = Normalise(actual.GetValueKind());
                if (expectedKind != actualKind)
                {
                    problems.Add($"{at}: expected {expectedKind}, got {actualKind}");
                }
                break;
        }
        return problems;
    }

    private static JsonValueKind Normalise(JsonValueKind kind) => kind == JsonValueKind.False ? JsonValueKind.True : kind;
}
