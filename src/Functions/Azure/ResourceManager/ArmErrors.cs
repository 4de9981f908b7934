using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>Turns unexpected ARM responses into <see cref="RequestFailedException"/> with the ARM error code and message.</summary>
internal static class ArmErrors
{
    /// <summary>
    /// Builds the exception for an unexpected status. The message carries the operation, status and the ARM
    /// error, never request headers or bodies (they may hold tokens, app settings or SAS URLs).
    /// </summary>
    public static RequestFailedException Unexpected(Response response, string operation)
    {
        var error = TryReadError(response);
        var message = error is null
            ? $"{operation} failed: the service answered {response.Status} ({response.ReasonPhrase})."
            : $"{operation} failed: the service answered {response.Status} ({response.ReasonPhrase}) with {error.Code}: {error.Message}";
        return new RequestFailedException(response.Status, message, error?.Code, innerException: null);
    }

    /// <summary>Reads <c>{"error":{"code","message"}}</c> (or Microsoft.Web's top-level <c>{"Code","Message"}</c>) from a response.</summary>
    public static ArmOperationError? TryReadError(Response response)
    {
        if (!ArmJson.TryParseObject(response, out var document))
        {
            return null;
        }
        using (document)
        {
            return ReadError(document.RootElement);
        }
    }

    /// <summary>Reads an ARM error from an error envelope or from an error object itself.</summary>
    public static ArmOperationError? ReadError(JsonElement element)
    {
        var error = element.TryGetPropertyIgnoreCase("error", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : element;
        var code = error.TryGetPropertyIgnoreCase("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var message = error.TryGetPropertyIgnoreCase("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return code is null && message is null ? null : new ArmOperationError(code ?? "Unknown", message ?? "(no message)");
    }

    /// <summary>The <c>Retry-After</c> header in seconds or as an HTTP date; <c>retry-after-ms</c> wins when present.</summary>
    public static TimeSpan? ReadRetryAfter(Response response, TimeProvider timeProvider)
    {
        foreach (var name in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (response.Headers.TryGetValue(name, out var ms) && int.TryParse(ms, NumberStyles.Integer, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
            {
                return TimeSpan.FromMilliseconds(milliseconds);
            }
        }
        if (!response.Headers.TryGetValue("Retry-After", out var value))
        {
            return null;
        }
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            var wait = at - timeProvider.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
