using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blueshift.Functions.Hosting;

/// <summary>
/// Generates the Functions host's <c>{FunctionName}/function.json</c> files from the catalog, so the deployed
/// package and the mapped endpoints can never disagree. Run by the publish step (<c>--write-function-metadata DIR</c>).
/// </summary>
public static class FunctionMetadata
{
    public const string WriteOption = "write-function-metadata";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The function.json document for one catalog entry.</summary>
    public static JsonObject ToFunctionJson(FunctionDefinition function)
    {
        JsonArray bindings = function switch
        {
            HttpFunction http =>
            [
                new JsonObject
                {
                    ["type"] = "httpTrigger",
                    ["direction"] = "in",
                    ["name"] = Invocation.HttpRequestBindingName,
                    ["authLevel"] = http.AuthLevel.ToString().ToLowerInvariant(),
                    ["route"] = http.Route,
                    ["methods"] = new JsonArray(http.Methods.Select(m => (JsonNode)m.ToLowerInvariant()).ToArray()),
                },
                new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = Invocation.HttpResponseBindingName },
            ],
            TimerFunction timer =>
            [
                new JsonObject
                {
                    ["type"] = "timerTrigger",
                    ["direction"] = "in",
                    ["name"] = Invocation.TimerBindingName,
                    ["schedule"] = timer.Schedule,
                    ["runOnStartup"] = timer.RunOnStartup,
                },
            ],
            QueueFunction queue =>
            [
                new JsonObject
                {
                    ["type"] = "queueTrigger",
                    ["direction"] = "in",
                    ["name"] = Invocation.QueueBindingName,
                    ["queueName"] = queue.QueueName,
                    ["connection"] = queue.Connection,
                },
            ],
            _ => throw new NotSupportedException($"Function '{function.Name}': no function.json for {function.GetType().Name}."),
        };
        return new JsonObject { ["bindings"] = bindings };
    }

    /// <summary>
    /// Writes one folder per function under <paramref name="directory"/> and removes folders of functions that
    /// left the catalog, so a published package never keeps a trigger the handler no longer serves.
    /// </summary>
    public static void Write(FunctionCatalog catalog, string directory, ILogger logger)
    {
        Directory.CreateDirectory(directory);
        var names = catalog.Functions.Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var stale in Directory.EnumerateDirectories(directory)
                     .Where(d => File.Exists(Path.Combine(d, "function.json")) && !names.Contains(Path.GetFileName(d))))
        {
            Directory.Delete(stale, recursive: true);
        }
        foreach (var function in catalog.Functions)
        {
            var folder = Directory.CreateDirectory(Path.Combine(directory, function.Name));
            File.WriteAllText(Path.Combine(folder.FullName, "function.json"), ToFunctionJson(function).ToJsonString(Indented) + "\n");
        }
        Log.MetadataWritten(logger, catalog.Functions.Count, Path.GetFullPath(directory));
    }
}
