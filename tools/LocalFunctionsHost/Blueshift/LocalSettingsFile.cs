using System.Text.Json;
using System.Text.Json.Nodes;
using Blueshift.LocalFunctionsHost.Discovery;

namespace Blueshift.LocalFunctionsHost.Blueshift;

/// <summary>
/// local.settings.json as Core Tools reads it: <c>Values</c> are the app settings, <c>Host.LocalHttpPort</c> the default port,
/// <c>Keys.Master</c> and <c>Keys.Host</c> the keys the host checks.
/// </summary>
public sealed record LocalSettingsFile(IReadOnlyDictionary<string, string> Values, int? LocalHttpPort, string? MasterKey, IReadOnlyList<string> HostKeys)
{
    public static LocalSettingsFile Load(string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new FunctionAppHostException($"{path} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new FunctionAppHostException($"{path} is not valid JSON: {ex.Message}");
        }
        catch (IOException ex)
        {
            throw new FunctionAppHostException($"{path} cannot be read: {ex.Message}");
        }
        if (root["IsEncrypted"] is JsonValue encrypted && encrypted.TryGetValue<bool>(out var isEncrypted) && isEncrypted)
        {
            throw new FunctionAppHostException($"{path}: encrypted local settings are not supported; decrypt them first.");
        }
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in root["Values"] as JsonObject ?? [])
        {
            values[name] = value is JsonValue v && v.TryGetValue<string>(out var s)
                ? s
                : throw new FunctionAppHostException($"{path}: Values.{name} must be a string (app settings are strings).");
        }
        var keys = root["Keys"] as JsonObject;
        if (keys?["Functions"] is JsonObject { Count: > 0 } perFunction)
        {
            throw new FunctionAppHostException(
                $"{path}: Keys.Functions ({string.Join(", ", perFunction.Select(f => f.Key))}) are not supported by this host; use Keys.Host for function keys.");
        }
        var hostKeys = (keys?["Host"] as JsonObject)?.Select(k => (string?)k.Value).Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToArray() ?? [];
        int? port = root["Host"]?["LocalHttpPort"] is JsonValue p && p.TryGetValue<int>(out var n) ? n : null;
        return new LocalSettingsFile(values, port, (string?)keys?["Master"], hostKeys);
    }
}
