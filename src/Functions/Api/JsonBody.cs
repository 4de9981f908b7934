using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Blueshift.Functions.Api;

/// <summary>
/// Reads a JSON request body under the API's rules: <c>application/json</c> only (415 otherwise), a size
/// limit (413), and malformed or mistyped JSON, text that is not UTF-8 and a property given twice as a 400 that names
/// the offending place in the document.
/// Minimal APIs' own body binding answers these cases with empty responses, not problem details.
/// </summary>
internal static class JsonBody
{
    /// <summary>Every body this API accepts fits comfortably; anything larger is a mistake or an attack.</summary>
    public const int MaxBytes = 64 * 1024;

    public static async Task<JsonBodyResult<T>> ReadAsync<T>(HttpRequest request, bool allowEmpty, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength is > MaxBytes)
        {
            return TooLarge<T>();
        }
        if (allowEmpty && string.IsNullOrEmpty(request.ContentType) && await IsEmptyAsync(request, cancellationToken))
        {
            return new JsonBodyResult<T>(null, null);
        }
        if (!IsJson(request.ContentType))
        {
            return new JsonBodyResult<T>(null, ApiProblems.Problem(
                StatusCodes.Status415UnsupportedMediaType,
                "Unsupported content type",
                $"Send the body as JSON with 'Content-Type: application/json' (received '{Printable(request.ContentType) ?? "none"}')."));
        }

        var buffer = new ArrayBufferWriter<byte>();
        var stream = request.Body;
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await stream.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }
            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBytes)
            {
                return TooLarge<T>();
            }
        }

        if (buffer.WrittenCount == 0)
        {
            return allowEmpty
                ? new JsonBodyResult<T>(null, null)
                : new JsonBodyResult<T>(null, ApiProblems.Problem(
                    StatusCodes.Status400BadRequest,
                    "Missing request body",
                    "This operation needs a JSON body; see the OpenAPI document at /api/openapi/v1.json for its shape."));
        }

        // The reader only checks the UTF-8 of what it decodes, and then blames an escape sequence; check it all, and say so.
        if (!Utf8.IsValid(buffer.WrittenSpan))
        {
            return new JsonBodyResult<T>(null, ApiProblems.Problem(
                StatusCodes.Status400BadRequest,
                "Malformed JSON",
                "The body is not valid UTF-8 text; send JSON encoded as UTF-8."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.WrittenSpan, ApiJson.Options);
            return value is null
                ? new JsonBodyResult<T>(null, ApiProblems.Problem(
                    StatusCodes.Status400BadRequest,
                    "Malformed JSON",
                    "The body must be a JSON object, not null."))
                : new JsonBodyResult<T>(value, null);
        }
        catch (JsonException ex) when (DuplicateProperty(ex) is { } field)
        {
            var name = field[(field.LastIndexOf('.') + 1)..];
            return new JsonBodyResult<T>(null, ApiProblems.Validation(
                new Dictionary<string, string[]> { [field] = [$"The property '{name}' appears more than once."] },
                "A property appears more than once in the body; give each property once."));
        }
        catch (JsonException ex)
        {
            return new JsonBodyResult<T>(null, ApiProblems.Problem(
                StatusCodes.Status400BadRequest,
                "Malformed JSON",
                Describe(ex)));
        }
    }

    // A client sending no body often sends no Content-Length either (curl -X POST, HTTP/2): only reading tells. A body
    // without a content type is refused with 415 whatever it held, so the byte read here is not needed again.
    private static async ValueTask<bool> IsEmptyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        request.ContentLength switch
        {
            0 => true,
            null => await request.Body.ReadAsync(new byte[1], cancellationToken) == 0,
            _ => false,
        };

    private static JsonBodyResult<T> TooLarge<T>()
        where T : class =>
        new(null, ApiProblems.Problem(
            StatusCodes.Status413PayloadTooLarge,
            "Request body too large",
            $"The body may be at most {MaxBytes} bytes."));

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return false;
        }
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    // The exception's own message can quote the CLR type names; the caller needs the JSON path and the kind of mistake.
    private static string Describe(JsonException ex)
    {
        var at = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "the document" : ex.Path;
        var line = ex.LineNumber is { } l ? $" (line {l + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
        var what = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "an unknown property; check its spelling against the OpenAPI document"
            : ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "a value of the wrong JSON type or format"
            : "invalid JSON syntax";
        return $"The body is not valid for this operation: {what} at {at}{line}.";
    }

    // The field path of a duplicate property ("policy.bakeTime", "smokeTests[0].path"), or null for any other error.
    private static string? DuplicateProperty(JsonException ex)
    {
        if (!ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) || ex.Path is not { Length: > 2 } path || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return null;
        }
        return Printable(path[2..]);
    }

    internal static string? Printable(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var clipped = value.Length > 100 ? value[..100] + "…" : value;
        return new string(clipped.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}

/// <summary>Either the parsed body (null when an empty body was allowed and sent) or the problem to answer with.</summary>
internal readonly record struct JsonBodyResult<T>(T? Value, ProblemHttpResult? Problem)
    where T : class;
