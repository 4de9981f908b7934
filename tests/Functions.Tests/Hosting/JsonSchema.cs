using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Blueshift.Functions.Tests.Hosting;

/// <summary>
/// A validator for the part of JSON Schema (draft-04) the SchemaStore schemas of host.json, function.json and
/// local.settings.json use: type, properties, required, enum, const, oneOf/anyOf/allOf/not, local $ref,
/// additionalProperties, items (single and tuple), pattern, minimum/maximum, minLength, uniqueItems.
/// No JSON Schema package restores from this registry (JsonSchema.Net and NJsonSchema miss dependencies).
/// An unknown keyword that could constrain a value fails loudly instead of being ignored.
/// </summary>
internal sealed class JsonSchema
{
    private static readonly HashSet<string> Annotations =
    [
        "$schema", "id", "$id", "title", "description", "default", "examples", "definitions", "format", "deprecated",
        "markdownDescription", "deprecationMessage",
    ];

    private readonly JsonNode _root;
    private readonly JsonNode _schema;

    private JsonSchema(JsonNode root, JsonNode schema)
    {
        _root = root;
        _schema = schema;
    }

    public static JsonSchema Load(string path, string? pointer = null)
    {
        var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true })!;
        return new JsonSchema(root, pointer is null ? root : Resolve(root, pointer));
    }

    /// <summary>Every violation, as "path: problem"; empty when the instance is valid.</summary>
    public IReadOnlyList<string> Validate(JsonNode? instance)
    {
        var errors = new List<string>();
        Validate(_schema, instance, "$", errors);
        return errors;
    }

    private void Validate(JsonNode schema, JsonNode? instance, string path, List<string> errors)
    {
        if (schema is JsonValue boolean && boolean.TryGetValue<bool>(out var allowed))
        {
            if (!allowed)
            {
                errors.Add($"{path}: no value is allowed here");
            }
            return;
        }
        var obj = schema.AsObject();
        if (obj["$ref"] is { } reference)
        {
            Validate(Resolve(_root, reference.GetValue<string>()), instance, path, errors);
            return;
        }
        foreach (var (keyword, value) in obj)
        {
            switch (keyword)
            {
                case "type":
                    var types = value is JsonArray array ? array.Select(t => t!.GetValue<string>()).ToArray() : [value!.GetValue<string>()];
                    if (!types.Any(t => HasType(instance, t)))
                    {
                        errors.Add($"{path}: expected {string.Join(" or ", types)}, found {Kind(instance)}");
                    }
                    break;
                case "enum":
                    if (!value!.AsArray().Any(e => JsonNode.DeepEquals(e, instance)))
                    {
                        errors.Add($"{path}: {instance?.ToJsonString() ?? "null"} is not one of {value.ToJsonString()}");
                    }
                    break;
                case "const":
                    if (!JsonNode.DeepEquals(value, instance))
                    {
                        errors.Add($"{path}: must be {value?.ToJsonString()}");
                    }
                    break;
                case "properties":
                    if (instance is JsonObject properties)
                    {
                        foreach (var (name, propertySchema) in value!.AsObject())
                        {
                            if (properties.TryGetPropertyValue(name, out var propertyValue))
                            {
                                Validate(propertySchema!, propertyValue, path + "." + name, errors);
                            }
                        }
                    }
                    break;
                case "additionalProperties":
                    if (instance is JsonObject extra)
                    {
                        var declared = obj["properties"]?.AsObject().Select(p => p.Key).ToHashSet() ?? [];
                        foreach (var (name, propertyValue) in extra.Where(p => !declared.Contains(p.Key)))
                        {
                            Validate(value!, propertyValue, path + "." + name, errors);
                        }
                    }
                    break;
                case "required":
                    if (instance is JsonObject required)
                    {
                        foreach (var name in value!.AsArray().Select(n => n!.GetValue<string>()).Where(n => !required.ContainsKey(n)))
                        {
                            errors.Add($"{path}: required property '{name}' is missing");
                        }
                    }
                    break;
                case "items":
                    if (instance is JsonArray items)
                    {
                        if (value is JsonArray tuple)
                        {
                            for (var i = 0; i < Math.Min(tuple.Count, items.Count); i++)
                            {
                                Validate(tuple[i]!, items[i], $"{path}[{i}]", errors);
                            }
                        }
                        else
                        {
                            for (var i = 0; i < items.Count; i++)
                            {
                                Validate(value!, items[i], $"{path}[{i}]", errors);
                            }
                        }
                    }
                    break;
                case "uniqueItems":
                    if (value!.GetValue<bool>() && instance is JsonArray unique
                        && unique.Select(i => i?.ToJsonString()).Distinct().Count() != unique.Count)
                    {
                        errors.Add($"{path}: items must be unique");
                    }
                    break;
                case "pattern":
                    if (instance is JsonValue text && text.TryGetValue<string>(out var s) && !Regex.IsMatch(s, value!.GetValue<string>()))
                    {
                        errors.Add($"{path}: '{s}' does not match {value}");
                    }
                    break;
                case "minLength":
                    if (instance is JsonValue shortText && shortText.TryGetValue<string>(out var str) && str.Length < value!.GetValue<int>())
                    {
                        errors.Add($"{path}: shorter than {value}");
                    }
                    break;
                case "minimum":
                    if (instance is JsonValue low && low.TryGetValue<double>(out var n1) && n1 < value!.GetValue<double>())
                    {
                        errors.Add($"{path}: {n1} is below the minimum {value}");
                    }
                    break;
                case "maximum":
                    if (instance is JsonValue high && high.TryGetValue<double>(out var n2) && n2 > value!.GetValue<double>())
                    {
                        errors.Add($"{path}: {n2} is above the maximum {value}");
                    }
                    break;
                case "allOf":
                    foreach (var sub in value!.AsArray())
                    {
                        Validate(sub!, instance, path, errors);
                    }
                    break;
                case "anyOf":
                    if (!value!.AsArray().Any(sub => IsValid(sub!, instance, path)))
                    {
                        errors.Add($"{path}: matches none of anyOf");
                    }
                    break;
                case "oneOf":
                    var matches = value!.AsArray().Count(sub => IsValid(sub!, instance, path));
                    if (matches != 1)
                    {
                        errors.Add($"{path}: matches {matches} of oneOf, expected exactly 1");
                    }
                    break;
                case "not":
                    if (IsValid(value!, instance, path))
                    {
                        errors.Add($"{path}: must not match {value!.ToJsonString()}");
                    }
                    break;
                default:
                    if (!Annotations.Contains(keyword))
                    {
                        throw new NotSupportedException($"JSON Schema keyword '{keyword}' at {path} is not supported by this validator.");
                    }
                    break;
            }
        }
    }

    private bool IsValid(JsonNode schema, JsonNode? instance, string path)
    {
        var errors = new List<string>();
        Validate(schema, instance, path, errors);
        return errors.Count == 0;
    }

    private static bool HasType(JsonNode? instance, string type) => type switch
    {
        "object" => instance is JsonObject,
        "array" => instance is JsonArray,
        "string" => Kind(instance) == "string",
        "boolean" => Kind(instance) == "boolean",
        "number" => Kind(instance) == "number",
        "integer" => Kind(instance) == "number" && instance!.GetValue<JsonElement>().TryGetInt64(out _),
        "null" => instance is null,
        _ => throw new NotSupportedException($"JSON Schema type '{type}'"),
    };

    private static string Kind(JsonNode? instance) => instance switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        _ => instance.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            var other => other.ToString(),
        },
    };

    private static JsonNode Resolve(JsonNode root, string pointer)
    {
        if (!pointer.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Only local references are supported, not '{pointer}'.");
        }
        var node = root;
        foreach (var part in pointer[2..].Split('/'))
        {
            node = node[part.Replace("~1", "/").Replace("~0", "~")] ?? throw new InvalidOperationException($"Reference '{pointer}' does not resolve.");
        }
        return node;
    }
}
