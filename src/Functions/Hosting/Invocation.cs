using System.Globalization;
using System.Text.Json;

namespace Blueshift.Functions.Hosting;

/// <summary>The timer trigger's binding data, as the Functions host sends it in <c>Data.timer</c>.</summary>
public sealed record TimerInfo(TimerScheduleStatus? ScheduleStatus, bool IsPastDue);

/// <summary>Last and next occurrences of a timer schedule, as recorded by the host's schedule monitor.</summary>
public sealed record TimerScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);

/// <summary>The queue trigger's metadata, as the Functions host sends it in <c>Metadata</c>.</summary>
public sealed record QueueMessageMetadata(
    string Id,
    long DequeueCount,
    DateTimeOffset? InsertionTime,
    DateTimeOffset? ExpirationTime,
    DateTimeOffset? NextVisibleTime);

/// <summary>Reads the host's <c>{"Data":…,"Metadata":…}</c> invocation requests; a malformed one is a <see cref="InvalidInvocationException"/>.</summary>
internal static class Invocation
{
    /// <summary>Binding names written into the generated function.json, so the host keys <c>Data</c> by them.</summary>
    public const string TimerBindingName = "timer";
    public const string QueueBindingName = "message";
    public const string HttpRequestBindingName = "req";
    public const string HttpResponseBindingName = "res";

    public static async Task<(JsonElement Data, JsonElement Metadata)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new InvalidInvocationException($"The invocation body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInvocationException("The invocation body must be a JSON object with \"Data\" and \"Metadata\".");
            }
            if (!root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInvocationException("The invocation body has no \"Data\" object.");
            }
            var metadata = root.TryGetProperty("Metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m.Clone() : EmptyObject();
            return (data.Clone(), metadata);
        }
    }

    public static TimerInfo ReadTimer(JsonElement data)
    {
        if (!data.TryGetProperty(TimerBindingName, out var timer) || timer.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInvocationException($"The timer invocation has no \"Data.{TimerBindingName}\" object.");
        }
        var isPastDue = timer.TryGetProperty("IsPastDue", out var pastDue) && pastDue.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidInvocationException("\"IsPastDue\" must be true or false."),
        };
        TimerScheduleStatus? status = null;
        if (timer.TryGetProperty("ScheduleStatus", out var s) && s.ValueKind == JsonValueKind.Object)
        {
            status = new TimerScheduleStatus(
                RequiredTime(s, "Last", "ScheduleStatus.Last"),
                RequiredTime(s, "Next", "ScheduleStatus.Next"),
                RequiredTime(s, "LastUpdated", "ScheduleStatus.LastUpdated"));
        }
        else if (timer.TryGetProperty("ScheduleStatus", out s) && s.ValueKind != JsonValueKind.Null)
        {
            throw new InvalidInvocationException("\"ScheduleStatus\" must be an object or null.");
        }
        return new TimerInfo(status, isPastDue);
    }

    public static (string Message, QueueMessageMetadata Metadata) ReadQueue(JsonElement data, JsonElement metadata)
    {
        if (!data.TryGetProperty(QueueBindingName, out var item))
        {
            throw new InvalidInvocationException($"The queue invocation has no \"Data.{QueueBindingName}\".");
        }
        // The host passes text messages as a JSON string; a message it recognised as JSON may arrive as that JSON value.
        var message = item.ValueKind switch
        {
            JsonValueKind.String => item.GetString()!,
            JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => item.GetRawText(),
            _ => throw new InvalidInvocationException($"\"Data.{QueueBindingName}\" must be the message text."),
        };
        var id = metadata.TryGetProperty("Id", out var idElement) && idElement.ValueKind == JsonValueKind.String
            ? idElement.GetString()!
            : throw new InvalidInvocationException("The queue invocation has no \"Metadata.Id\".");
        long dequeueCount = 0;
        if (metadata.TryGetProperty("DequeueCount", out var count))
        {
            var valid = count.ValueKind switch
            {
                JsonValueKind.Number => count.TryGetInt64(out dequeueCount),
                JsonValueKind.String => long.TryParse(count.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out dequeueCount),
                _ => false,
            };
            if (!valid || dequeueCount < 0)
            {
                throw new InvalidInvocationException("\"Metadata.DequeueCount\" must be a non-negative whole number.");
            }
        }
        return (message, new QueueMessageMetadata(
            id,
            dequeueCount,
            OptionalTime(metadata, "InsertionTime"),
            OptionalTime(metadata, "ExpirationTime"),
            OptionalTime(metadata, "NextVisibleTime")));
    }

    private static DateTimeOffset RequiredTime(JsonElement parent, string property, string path) =>
        OptionalTime(parent, property) ?? throw new InvalidInvocationException($"\"{path}\" is missing.");

    private static DateTimeOffset? OptionalTime(JsonElement parent, string property)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        throw new InvalidInvocationException($"\"{property}\" must be an ISO 8601 date and time.");
    }

    private static JsonElement EmptyObject()
    {
        using var empty = JsonDocument.Parse("{}");
        return empty.RootElement.Clone();
    }
}

/// <summary>The host's answer format: <c>{"Outputs":{…},"Logs":[…],"ReturnValue":…}</c>.</summary>
internal sealed record InvocationResponse(IReadOnlyDictionary<string, object?> Outputs, IReadOnlyList<string> Logs, object? ReturnValue)
{
    public static readonly JsonSerializerOptions SerializerOptions = new() { PropertyNamingPolicy = null };
}

/// <summary>The invocation request did not have the shape the Functions host sends.</summary>
internal sealed class InvalidInvocationException(string message) : Exception(message);
