using System.Globalization;
using System.Text.Json;
using Azure;

namespace Blueshift.Storage.Tables;

/// <summary>
/// The Table service's JSON entity format. JSON cannot tell an Int64 from an Int32, a date from a string or a
/// whole double from an integer, so those carry <c>Name@odata.type</c> annotations both ways.
/// </summary>
internal static class TableEntityJson
{
    private const string TypeSuffix = "@odata.type";
    private const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string FormatDateTime(DateTimeOffset value) => value.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture);

    public static byte[] Serialize(TableEntity entity)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("PartitionKey", entity.PartitionKey);
            writer.WriteString("RowKey", entity.RowKey);
            foreach (var (name, value) in entity)
            {
                switch (value)
                {
                    case string s:
                        writer.WriteString(name, s);
                        break;
                    case bool b:
                        writer.WriteBoolean(name, b);
                        break;
                    case int i:
                        writer.WriteNumber(name, i);
                        break;
                    case long l:
                        writer.WriteString(name + TypeSuffix, "Edm.Int64");
                        writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                        break;
                    case double d:
                        writer.WriteString(name + TypeSuffix, "Edm.Double");
                        if (double.IsFinite(d))
                        {
                            writer.WriteNumber(name, d);
                        }
                        else
                        {
                            writer.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                        }
                        break;
                    case DateTimeOffset dto:
                        writer.WriteString(name + TypeSuffix, "Edm.DateTime");
                        writer.WriteString(name, FormatDateTime(dto));
                        break;
                    case Guid g:
                        writer.WriteString(name + TypeSuffix, "Edm.Guid");
                        writer.WriteString(name, g.ToString("D"));
                        break;
                    case byte[] bytes:
                        writer.WriteString(name + TypeSuffix, "Edm.Binary");
                        writer.WriteBase64String(name, bytes);
                        break;
                }
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static TableEntity Deserialize(JsonElement json, ETag? etagHeader = null)
    {
        var entity = new TableEntity();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name.EndsWith(TypeSuffix, StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String)
            {
                types[property.Name[..^TypeSuffix.Length]] = property.Value.GetString()!;
            }
        }

        foreach (var property in json.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            switch (name)
            {
                case "PartitionKey":
                    entity.PartitionKey = value.GetString() ?? string.Empty;
                    continue;
                case "RowKey":
                    entity.RowKey = value.GetString() ?? string.Empty;
                    continue;
                case "Timestamp":
                    entity.Timestamp = ParseDateTime(value.GetString()!);
                    continue;
                case "odata.etag":
                    entity.ETag = new ETag(value.GetString()!);
                    continue;
            }
            if (name.StartsWith("odata.", StringComparison.Ordinal) || name.EndsWith(TypeSuffix, StringComparison.Ordinal) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            entity[name] = types.TryGetValue(name, out var type) ? ReadTyped(name, type, value) : ReadUntyped(value);
        }

        if (etagHeader is { } etag)
        {
            entity.ETag = etag;
        }
        return entity;
    }

    private static object ReadTyped(string name, string type, JsonElement value) => type switch
    {
        "Edm.Int64" => value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64(),
        "Edm.Int32" => value.GetInt32(),
        "Edm.Double" => value.ValueKind == JsonValueKind.String ? ParseDoubleLiteral(value.GetString()!) : value.GetDouble(),
        "Edm.DateTime" => ParseDateTime(value.GetString()!),
        "Edm.Guid" => Guid.Parse(value.GetString()!),
        "Edm.Binary" => value.GetBytesFromBase64(),
        "Edm.Boolean" => value.GetBoolean(),
        "Edm.String" => value.GetString()!,
        _ => throw new FormatException($"Property '{name}' has an unknown type '{type}'."),
    };

    private static object ReadUntyped(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt32(out var i) && value.GetRawText().AsSpan().IndexOfAny(".eE") < 0 => i,
        JsonValueKind.Number => value.GetDouble(),
        _ => throw new FormatException($"Unexpected JSON {value.ValueKind} in a table entity."),
    };

    private static double ParseDoubleLiteral(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };

    private static DateTimeOffset ParseDateTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
