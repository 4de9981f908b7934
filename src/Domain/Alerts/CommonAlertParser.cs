using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Blueshift.Domain.Alerts;

/// <summary>
/// Reads Azure Monitor common alert schema webhooks. Never throws on input: every problem becomes an
/// <see cref="AlertFieldError"/> with the path of the field, so a caller can answer 400 with precise details.
/// Lenient where Azure itself is inconsistent: numbers and booleans where strings are expected, null optional fields
/// and a null severity (budget alerts), <c>impactedServices</c> as a JSON-encoded string or an array.
/// </summary>
public static class CommonAlertParser
{
    public const string SchemaId = "azureMonitorCommonAlertSchema";

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static AlertParseResult Parse(string json, AlertParserLimits? limits = null)
    {
        limits ??= AlertParserLimits.Default;
        if (json is null)
        {
            return Invalid("$", "The payload is empty.");
        }
        if (json.Length > limits.MaxPayloadBytes || Encoding.UTF8.GetByteCount(json) > limits.MaxPayloadBytes)
        {
            return Invalid("$", $"The payload is larger than {limits.MaxPayloadBytes} bytes.");
        }
        return Parse(Encoding.UTF8.GetBytes(json), limits);
    }

    public static AlertParseResult Parse(ReadOnlyMemory<byte> utf8Json, AlertParserLimits? limits = null)
    {
        limits ??= AlertParserLimits.Default;
        if (utf8Json.Span.StartsWith(Utf8Bom))
        {
            utf8Json = utf8Json[Utf8Bom.Length..];
        }
        if (utf8Json.Length == 0)
        {
            return Invalid("$", "The payload is empty.");
        }
        if (utf8Json.Length > limits.MaxPayloadBytes)
        {
            return Invalid("$", $"The payload is larger than {limits.MaxPayloadBytes} bytes.");
        }
        // The JSON reader checks UTF-8 only where it decodes a string, and then blames an escape sequence.
        if (!Utf8.IsValid(utf8Json.Span))
        {
            return Invalid("$", "The payload is not valid UTF-8 text; send the JSON encoded as UTF-8.");
        }
        if (CheckSyntaxAndDepth(utf8Json.Span, limits.MaxDepth) is { } syntaxError)
        {
            return new AlertParseResult.Invalid([syntaxError]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, DocumentOptions(limits.MaxDepth));
        }
        catch (JsonException ex)
        {
            // The pre-check above finds repeated properties with their path; this is a backstop should the document disagree.
            return Invalid(ex.Path ?? "$", "The payload repeats a property name; each property may appear once.");
        }

        using (document)
        {
            return Read(document.RootElement, limits);
        }
    }

    private static JsonDocumentOptions DocumentOptions(int maxDepth) => new()
    {
        MaxDepth = maxDepth + 1,
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static AlertFieldError? CheckSyntaxAndDepth(ReadOnlySpan<byte> utf8Json, int maxDepth)
    {
        // The reader is allowed one level more than the limit so that exceeding it is reported as such, not as a syntax error.
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        // JsonDocument refuses a repeated property with no path to it, so repeats are found here, where the path is known:
        // one frame per open object (the names seen) or array (the index of the current item).
        var frames = new Stack<JsonFrame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth + 1 > maxDepth:
                        return new AlertFieldError("$", $"The payload nests deeper than {maxDepth} levels (at byte {reader.TokenStartIndex}).");
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (frames.TryPeek(out var parent) && parent.Names is null)
                        {
                            parent.Index++;
                        }
                        frames.Push(reader.TokenType == JsonTokenType.StartObject ? new JsonFrame { Names = new HashSet<string>(StringComparer.Ordinal) } : new JsonFrame());
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var frame = frames.Peek();
                        frame.Name = reader.GetString()!;
                        if (!frame.Names!.Add(frame.Name))
                        {
                            return new AlertFieldError(PathOf(frames), $"The property '{Printable(frame.Name)}' appears more than once.");
                        }
                        break;
                    default:
                        if (frames.TryPeek(out var array) && array.Names is null)
                        {
                            array.Index++;
                        }
                        break;
                }
            }
            return null;
        }
        catch (JsonException ex)
        {
            return new AlertFieldError("$", $"The payload is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
    }

    private sealed class JsonFrame
    {
        public HashSet<string>? Names { get; init; }
        public string Name { get; set; } = "";
        public int Index { get; set; } = -1;
    }

    // "$.data.essentials.severity", "$.data.alertContext.condition.allOf[0].metricName", "$['odd name']".
    private static string PathOf(Stack<JsonFrame> frames)
    {
        var path = new StringBuilder("$");
        foreach (var frame in frames.Reverse())
        {
            if (frame.Names is null)
            {
                path.Append(CultureInfo.InvariantCulture, $"[{frame.Index}]");
            }
            else if (frame.Name.Length > 0 && frame.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                path.Append('.').Append(Printable(frame.Name));
            }
            else
            {
                path.Append("['").Append(Printable(frame.Name)).Append("']");
            }
        }
        return path.ToString();
    }

    private static string Printable(string name)
    {
        var clipped = name.Length > 100 ? name[..100] + "…" : name;
        return new string(clipped.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    private static AlertParseResult Read(JsonElement root, AlertParserLimits limits)
    {
        var errors = new List<AlertFieldError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("$", $"Expected a JSON object, got {Describe(root)}.");
        }

        var schemaId = ReadString(root, "schemaId", "$.schemaId", required: true, limits, errors);
        if (schemaId is not null && !string.Equals(schemaId, SchemaId, StringComparison.Ordinal))
        {
            errors.Add(new AlertFieldError("$.schemaId", $"Expected \"{SchemaId}\", got \"{Excerpt(schemaId)}\". Enable the common alert schema on the action group."));
        }

        if (!TryGetObject(root, "data", "$.data", errors, out var data) ||
            !TryGetObject(data, "essentials", "$.data.essentials", errors, out var essentials))
        {
            return new AlertParseResult.Invalid(errors);
        }

        const string e = "$.data.essentials";
        var alertId = ReadString(essentials, "alertId", $"{e}.alertId", required: true, limits, errors);
        if (alertId is { Length: 0 })
        {
            errors.Add(new AlertFieldError($"{e}.alertId", "Must not be empty."));
        }
        var alertRule = ReadString(essentials, "alertRule", $"{e}.alertRule", required: false, limits, errors);
        var severity = ReadSeverity(essentials, $"{e}.severity", limits, errors);
        var signalType = ReadString(essentials, "signalType", $"{e}.signalType", required: false, limits, errors);
        var condition = ReadCondition(essentials, $"{e}.monitorCondition", limits, errors);
        var monitoringService = ReadString(essentials, "monitoringService", $"{e}.monitoringService", required: false, limits, errors);
        var targets = ReadStringArray(essentials, "alertTargetIDs", $"{e}.alertTargetIDs", limits.MaxAlertTargetIds, limits, errors);
        var configurationItems = ReadStringArray(essentials, "configurationItems", $"{e}.configurationItems", limits.MaxConfigurationItems, limits, errors);
        var originAlertId = ReadString(essentials, "originAlertId", $"{e}.originAlertId", required: false, limits, errors);
        var fired = ReadTime(essentials, "firedDateTime", $"{e}.firedDateTime", limits, errors);
        var resolved = ReadTime(essentials, "resolvedDateTime", $"{e}.resolvedDateTime", limits, errors);
        var description = ReadString(essentials, "description", $"{e}.description", required: false, limits, errors);
        var essentialsVersion = ReadString(essentials, "essentialsVersion", $"{e}.essentialsVersion", required: false, limits, errors);
        var contextVersion = ReadString(essentials, "alertContextVersion", $"{e}.alertContextVersion", required: false, limits, errors);

        string? contextJson = null;
        IReadOnlyList<string> impacted = [];
        if (data.TryGetProperty("alertContext", out var context) && context.ValueKind != JsonValueKind.Null)
        {
            if (context.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new AlertFieldError("$.data.alertContext", $"Expected an object, got {Describe(context)}."));
            }
            else
            {
                contextJson = context.GetRawText();
                impacted = ImpactedServices(context, limits);
            }
        }

        if (errors.Count > 0)
        {
            return new AlertParseResult.Invalid(errors);
        }
        return new AlertParseResult.Parsed(new CommonAlert(
            alertId!, alertRule, severity, signalType, condition!.Value, monitoringService, targets, configurationItems,
            originAlertId, fired, resolved, description, essentialsVersion, contextVersion, contextJson, impacted));
    }

    private static bool TryGetObject(JsonElement parent, string name, string path, List<AlertFieldError> errors, out JsonElement value)
    {
        if (!parent.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new AlertFieldError(path, "Required, missing."));
            return false;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new AlertFieldError(path, $"Expected an object, got {Describe(value)}."));
            return false;
        }
        return true;
    }

    private static string? ReadString(JsonElement parent, string name, string path, bool required, AlertParserLimits limits, List<AlertFieldError> errors)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new AlertFieldError(path, "Required, missing."));
            }
            return null;
        }
        return AsString(value, path, limits, errors);
    }

    private static string? AsString(JsonElement value, string path, AlertParserLimits limits, List<AlertFieldError> errors)
    {
        string? text;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                text = TryGetString(value);
                if (text is null)
                {
                    errors.Add(new AlertFieldError(path, "The string contains an invalid escape sequence (an unpaired surrogate)."));
                    return null;
                }
                break;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                // Some Azure payloads carry numbers or booleans where the schema says string.
                text = value.GetRawText();
                break;
            default:
                errors.Add(new AlertFieldError(path, $"Expected a string, got {Describe(value)}."));
                return null;
        }
        if (text.Length > limits.MaxStringLength)
        {
            errors.Add(new AlertFieldError(path, $"Longer than {limits.MaxStringLength} characters ({text.Length})."));
            return null;
        }
        return text;
    }

    private static string? TryGetString(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static IReadOnlyList<string> ReadStringArray(JsonElement parent, string name, string path, int maxCount, AlertParserLimits limits, List<AlertFieldError> errors)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new AlertFieldError(path, $"Expected an array of strings, got {Describe(value)}."));
            return [];
        }
        var count = value.GetArrayLength();
        if (count > maxCount)
        {
            errors.Add(new AlertFieldError(path, $"More than {maxCount} entries ({count})."));
            return [];
        }
        var items = new List<string>(count);
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}[{index++}]";
            if (item.ValueKind == JsonValueKind.Null)
            {
                errors.Add(new AlertFieldError(itemPath, "Expected a string, got null."));
                continue;
            }
            if (AsString(item, itemPath, limits, errors) is { } text)
            {
                items.Add(text);
            }
        }
        return items;
    }

    // Null or absent is a valid severity: Azure sends budget alerts without one. Only a value outside Sev0–Sev4 is an error.
    private static AlertSeverity? ReadSeverity(JsonElement essentials, string path, AlertParserLimits limits, List<AlertFieldError> errors)
    {
        var text = ReadString(essentials, "severity", path, required: false, limits, errors);
        if (text is null)
        {
            return null;
        }
        var digits = text.StartsWith("Sev", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (digits.Length == 1 && digits[0] is >= '0' and <= '4')
        {
            return (AlertSeverity)(digits[0] - '0');
        }
        errors.Add(new AlertFieldError(path, $"Expected one of Sev0, Sev1, Sev2, Sev3, Sev4, got \"{Excerpt(text)}\"."));
        return null;
    }

    private static MonitorCondition? ReadCondition(JsonElement essentials, string path, AlertParserLimits limits, List<AlertFieldError> errors)
    {
        var text = ReadString(essentials, "monitorCondition", path, required: true, limits, errors);
        switch (text)
        {
            case null:
                return null;
            case var t when t.Equals("Fired", StringComparison.OrdinalIgnoreCase):
                return MonitorCondition.Fired;
            case var t when t.Equals("Resolved", StringComparison.OrdinalIgnoreCase):
                return MonitorCondition.Resolved;
            default:
                errors.Add(new AlertFieldError(path, $"Expected \"Fired\" or \"Resolved\", got \"{Excerpt(text)}\"."));
                return null;
        }
    }

    private static DateTimeOffset? ReadTime(JsonElement essentials, string name, string path, AlertParserLimits limits, List<AlertFieldError> errors)
    {
        var text = ReadString(essentials, name, path, required: false, limits, errors);
        if (text is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        errors.Add(new AlertFieldError(path, $"Expected an ISO 8601 date and time, got \"{Excerpt(text)}\"."));
        return null;
    }

    /// <summary>
    /// Service health alerts name the affected services in <c>alertContext.properties.impactedServices</c>, which Azure sends
    /// either as an array or as a string holding a JSON array. Context is informative only, so anything unreadable is skipped.
    /// </summary>
    private static IReadOnlyList<string> ImpactedServices(JsonElement context, AlertParserLimits limits)
    {
        if (!context.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object ||
            !properties.TryGetProperty("impactedServices", out var impacted))
        {
            return [];
        }
        if (impacted.ValueKind == JsonValueKind.Array)
        {
            return ServiceNames(impacted, limits);
        }
        if (impacted.ValueKind != JsonValueKind.String || TryGetString(impacted) is not { } encoded)
        {
            return [];
        }
        try
        {
            using var inner = JsonDocument.Parse(encoded, DocumentOptions(limits.MaxDepth));
            return inner.RootElement.ValueKind == JsonValueKind.Array ? ServiceNames(inner.RootElement, limits) : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static IReadOnlyList<string> ServiceNames(JsonElement array, AlertParserLimits limits) =>
        array.EnumerateArray()
            .Where(s => s.ValueKind == JsonValueKind.Object)
            .Select(s => s.TryGetProperty("ServiceName", out var n) && n.ValueKind == JsonValueKind.String ? TryGetString(n) : null)
            .OfType<string>()
            .Where(n => n.Length <= limits.MaxStringLength)
            .Take(limits.MaxAlertTargetIds)
            .ToList();

    private static AlertParseResult.Invalid Invalid(string path, string message) => new([new AlertFieldError(path, message)]);

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Excerpt(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
