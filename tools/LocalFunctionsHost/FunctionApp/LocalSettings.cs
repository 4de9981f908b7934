using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blueshift.LocalFunctionsHost.FunctionApp;

/// <summary>
/// local.settings.json: <c>Values</c> become the handler's environment (as app settings do in Azure),
/// <c>Host.LocalHttpPort</c> the default port, and <c>Keys</c> the function, host and master keys the host enforces.
/// </summary>
internal sealed class LocalSettings
{
    private readonly string? _masterKey;
    private readonly IReadOnlyList<string> _hostKeys;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _functionKeys;

    private LocalSettings(IReadOnlyDictionary<string, string> values, int? localHttpPort, string? masterKey, IReadOnlyList<string> hostKeys, IReadOnlyDictionary<string, IReadOnlyList<string>> functionKeys)
    {
        Values = values;
        LocalHttpPort = localHttpPort;
        _masterKey = masterKey;
        _hostKeys = hostKeys;
        _functionKeys = functionKeys;
    }

    public static LocalSettings Empty { get; } = new(new Dictionary<string, string>(), null, null, [], new Dictionary<string, IReadOnlyList<string>>());

    public IReadOnlyDictionary<string, string> Values { get; }

    public int? LocalHttpPort { get; }

    public static LocalSettings Load(string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new FunctionAppException($"{path} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new FunctionAppException($"{path} is not valid JSON: {ex.Message}");
        }
        if (root["IsEncrypted"]?.GetValue<bool>() == true)
        {
            throw new FunctionAppException($"{path}: encrypted local settings are not supported; decrypt them first.");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in root["Values"] as JsonObject ?? [])
        {
            values[name] = value is JsonValue v && v.TryGetValue<string>(out var s)
                ? s
                : throw new FunctionAppException($"{path}: Values.{name} must be a string (app settings are strings).");
        }
        var keys = root["Keys"] as JsonObject;
        var hostKeys = (keys?["Host"] as JsonObject)?.Select(k => (string)k.Value!).ToArray() ?? [];
        var functionKeys = (keys?["Functions"] as JsonObject)?.ToDictionary(
            f => f.Key,
            f => (IReadOnlyList<string>)(f.Value as JsonObject ?? []).Select(k => (string)k.Value!).ToArray(),
            StringComparer.OrdinalIgnoreCase) ?? [];
        return new LocalSettings(values, root["Host"]?["LocalHttpPort"]?.GetValue<int>(), (string?)keys?["Master"], hostKeys, functionKeys);
    }

    /// <summary>Whether <paramref name="key"/> opens a function of <paramref name="authLevel"/>, as the Functions host decides.</summary>
    public bool Authorizes(string functionName, string authLevel, string? key)
    {
        if (authLevel == "anonymous")
        {
            return true;
        }
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }
        if (_masterKey is { Length: > 0 } && Equal(_masterKey, key))
        {
            return true;
        }
        if (authLevel == "admin")
        {
            return false;
        }
        var functionKeys = _functionKeys.TryGetValue(functionName, out var own) ? own : [];
        return _hostKeys.Concat(functionKeys).Any(candidate => candidate.Length > 0 && Equal(candidate, key));
    }

    private static bool Equal(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));
}
