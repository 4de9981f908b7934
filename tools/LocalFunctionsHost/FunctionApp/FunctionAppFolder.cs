using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blueshift.LocalFunctionsHost.FunctionApp;

/// <summary>The custom handler process as host.json describes it (<c>customHandler.description</c>).</summary>
internal sealed record CustomHandlerDescription(string ExecutablePath, IReadOnlyList<string> Arguments, string WorkingDirectory);

/// <summary>Queue trigger behaviour from host.json <c>extensions.queues</c>, with the Functions host's defaults.</summary>
internal sealed record QueueSettings(TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int MaxDequeueCount, int BatchSize, bool Base64Encoding);

internal abstract record TriggeredFunction(string Name, string BindingName);

internal sealed record HttpTriggeredFunction(string Name, string BindingName, string Route, IReadOnlyList<string> Methods, string AuthLevel)
    : TriggeredFunction(Name, BindingName);

internal sealed record TimerTriggeredFunction(string Name, string BindingName, string Schedule, bool RunOnStartup)
    : TriggeredFunction(Name, BindingName);

internal sealed record QueueTriggeredFunction(string Name, string BindingName, string QueueName, string Connection)
    : TriggeredFunction(Name, BindingName);

/// <summary>
/// A published function-app folder, read the way the Functions host reads it: host.json at the root and one
/// <c>{FunctionName}/function.json</c> per function. Anything the local host cannot honour is an error, never ignored.
/// </summary>
internal sealed class FunctionAppFolder
{
    private FunctionAppFolder(string root, CustomHandlerDescription handler, string routePrefix, QueueSettings queues, TimeSpan functionTimeout, IReadOnlyList<TriggeredFunction> functions)
    {
        Root = root;
        Handler = handler;
        RoutePrefix = routePrefix;
        Queues = queues;
        FunctionTimeout = functionTimeout;
        Functions = functions;
    }

    public string Root { get; }

    public CustomHandlerDescription Handler { get; }

    public string RoutePrefix { get; }

    public QueueSettings Queues { get; }

    public TimeSpan FunctionTimeout { get; }

    public IReadOnlyList<TriggeredFunction> Functions { get; }

    public static FunctionAppFolder Load(string root)
    {
        root = Path.GetFullPath(root);
        var hostJsonPath = Path.Combine(root, "host.json");
        if (!File.Exists(hostJsonPath))
        {
            throw new FunctionAppException($"{root} is not a function app: it has no host.json. Publish it first (dotnet publish src/Functions -c Release -r linux-x64 --self-contained).");
        }
        var host = Parse(hostJsonPath);
        if ((string?)host["version"] != "2.0")
        {
            throw new FunctionAppException($"{hostJsonPath}: only host.json version \"2.0\" is supported.");
        }
        var customHandler = host["customHandler"] as JsonObject
            ?? throw new FunctionAppException($"{hostJsonPath}: no customHandler section; this host runs custom handlers only.");
        if (customHandler["enableForwardingHttpRequest"]?.GetValue<bool>() != true)
        {
            throw new FunctionAppException($"{hostJsonPath}: customHandler.enableForwardingHttpRequest must be true; this host forwards HTTP requests and does not wrap them in invocation payloads.");
        }
        var description = customHandler["description"] as JsonObject
            ?? throw new FunctionAppException($"{hostJsonPath}: customHandler.description is missing.");
        var executable = (string?)description["defaultExecutablePath"]
            ?? throw new FunctionAppException($"{hostJsonPath}: customHandler.description.defaultExecutablePath is missing.");
        var workingDirectory = (string?)description["workingDirectory"] is { Length: > 0 } wd ? Path.Combine(root, wd) : root;
        var arguments = description["arguments"]?.AsArray().Select(a => (string)a!).ToArray() ?? [];

        var extensions = host["extensions"] as JsonObject;
        var routePrefix = (string?)extensions?["http"]?["routePrefix"] ?? "api";
        var queues = extensions?["queues"] as JsonObject;
        var queueSettings = new QueueSettings(
            TimeSpanOrDefault(queues?["maxPollingInterval"], TimeSpan.FromMinutes(1), hostJsonPath),
            TimeSpanOrDefault(queues?["visibilityTimeout"], TimeSpan.Zero, hostJsonPath),
            queues?["maxDequeueCount"]?.GetValue<int>() ?? 5,
            queues?["batchSize"]?.GetValue<int>() ?? 16,
            !string.Equals((string?)queues?["messageEncoding"], "none", StringComparison.OrdinalIgnoreCase));
        var functionTimeout = TimeSpanOrDefault(host["functionTimeout"], TimeSpan.FromMinutes(30), hostJsonPath);

        var functions = Directory.EnumerateDirectories(root)
            .Select(dir => Path.Combine(dir, "function.json"))
            .Where(File.Exists)
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(ReadFunction)
            .ToArray();
        return new FunctionAppFolder(root, new CustomHandlerDescription(Path.Combine(root, executable), arguments, workingDirectory), routePrefix, queueSettings, functionTimeout, functions);
    }

    private static TriggeredFunction ReadFunction(string path)
    {
        var name = Path.GetFileName(Path.GetDirectoryName(path))!;
        var json = Parse(path);
        if (json["disabled"]?.GetValue<bool>() == true)
        {
            throw new FunctionAppException($"{path}: disabled functions are not supported.");
        }
        var bindings = json["bindings"]?.AsArray().Select(b => b!.AsObject()).ToArray()
            ?? throw new FunctionAppException($"{path}: no bindings.");
        var triggers = bindings.Where(b => ((string?)b["type"])?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true).ToArray();
        if (triggers.Length != 1)
        {
            throw new FunctionAppException($"{path}: a function has exactly one trigger binding; found {triggers.Length}.");
        }
        var trigger = triggers[0];
        var bindingName = (string?)trigger["name"] ?? throw new FunctionAppException($"{path}: the trigger binding has no name.");
        return ((string?)trigger["type"])!.ToLowerInvariant() switch
        {
            "httptrigger" => new HttpTriggeredFunction(
                name,
                bindingName,
                (string?)trigger["route"] ?? name,
                trigger["methods"]?.AsArray().Select(m => ((string)m!).ToUpperInvariant()).ToArray() is { Length: > 0 } methods ? methods : ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                ((string?)trigger["authLevel"] ?? "function").ToLowerInvariant() is var level && level is "anonymous" or "function" or "admin"
                    ? level
                    : throw new FunctionAppException($"{path}: authLevel '{trigger["authLevel"]}' is not anonymous, function or admin.")),
            "timertrigger" => new TimerTriggeredFunction(
                name,
                bindingName,
                (string?)trigger["schedule"] ?? throw new FunctionAppException($"{path}: the timer trigger has no schedule."),
                trigger["runOnStartup"]?.GetValue<bool>() ?? false),
            "queuetrigger" => new QueueTriggeredFunction(
                name,
                bindingName,
                (string?)trigger["queueName"] ?? throw new FunctionAppException($"{path}: the queue trigger has no queueName."),
                (string?)trigger["connection"] ?? "AzureWebJobsStorage"),
            var other => throw new FunctionAppException($"{path}: trigger type '{other}' is not supported by the local Functions host (HTTP, timer and queue are)."),
        };
    }

    private static JsonObject Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new FunctionAppException($"{path} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new FunctionAppException($"{path} is not valid JSON: {ex.Message}");
        }
    }

    private static TimeSpan TimeSpanOrDefault(JsonNode? value, TimeSpan fallback, string path) => value switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue<string>(out var s) && TimeSpan.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var t) => t,
        JsonValue v when v.TryGetValue<int>(out var ms) => TimeSpan.FromMilliseconds(ms),
        _ => throw new FunctionAppException($"{path}: '{value.ToJsonString()}' is not a time span."),
    };
}

/// <summary>The function app folder or the local settings cannot be run; the message says what to fix.</summary>
internal sealed class FunctionAppException(string message) : Exception(message);
