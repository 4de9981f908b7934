using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blueshift.LocalFunctionsHost.Durable;

/// <summary>
/// The task hub settings of host.json's <c>extensions.durableTask</c> that the local host has an equivalent for, so the
/// app runs here with the choices the Functions host makes in Azure. Names as the Durable extension documents them;
/// what host.json leaves out keeps the option's value. A value of the wrong kind is a start-up error naming it.
/// </summary>
internal static class HostJsonDurableSettings
{
    public static void Apply(DurableHostOptions options, string hostJsonPath)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(hostJsonPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new FunctionAppHostException($"{hostJsonPath} is not valid JSON: {ex.Message}");
        }
        if (root?["extensions"]?["durableTask"] is not JsonObject durable)
        {
            return;
        }
        var storage = durable["storageProvider"] as JsonObject;
        Read(storage, "partitionCount", Integer, v => options.PartitionCount = v);
        Read(storage, "controlQueueBatchSize", Integer, v => options.ControlQueueBatchSize = v);
        Read(storage, "controlQueueBufferThreshold", Integer, v => options.ControlQueueBufferThreshold = v);
        Read(storage, "maxQueuePollingInterval", Duration, v => options.MaxQueuePollingInterval = v);
        Read(storage, "controlQueueVisibilityTimeout", Duration, v => options.ControlQueueVisibilityTimeout = v);
        Read(storage, "workItemQueueVisibilityTimeout", Duration, v => options.WorkItemQueueVisibilityTimeout = v);
        Read(durable, "maxConcurrentActivityFunctions", Integer, v => options.MaxConcurrentActivities = v);
        Read(durable, "maxConcurrentOrchestratorFunctions", Integer, v => options.MaxConcurrentOrchestrations = v);
        Read(durable, "extendedSessionsEnabled", Boolean, v => options.ExtendedSessionsEnabled = v);
        Read(durable, "extendedSessionIdleTimeoutInSeconds", Integer, v => options.ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(v));
        if (durable["overridableExistingInstanceStates"] is { } overridable)
        {
            options.OverrideRunningInstances = (overridable is JsonValue v && v.TryGetValue<string>(out var s) ? s : null) switch
            {
                { } name when name.Equals("AnyState", StringComparison.OrdinalIgnoreCase) => true,
                { } name when name.Equals("NonRunningStates", StringComparison.OrdinalIgnoreCase) => false,
                _ => throw new FunctionAppHostException(
                    $"{hostJsonPath}: extensions.durableTask.overridableExistingInstanceStates is {overridable.ToJsonString()}, not \"AnyState\" or \"NonRunningStates\"."),
            };
        }

        void Read<T>(JsonObject? section, string name, Func<JsonNode, T?> parse, Action<T> set) where T : struct
        {
            if (section?[name] is not { } node)
            {
                return;
            }
            var value = parse(node) ?? throw new FunctionAppHostException(
                $"{hostJsonPath}: extensions.durableTask{(section == durable ? "" : ".storageProvider")}.{name} is {node.ToJsonString()}, " +
                $"not {(typeof(T) == typeof(TimeSpan) ? "a time span such as \"00:00:30\"" : typeof(T) == typeof(bool) ? "true or false" : "a whole number")}.");
            set(value);
        }
    }

    private static int? Integer(JsonNode node) =>
        node is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

    private static bool? Boolean(JsonNode node) =>
        node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static TimeSpan? Duration(JsonNode node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t) ? t : null;
}
