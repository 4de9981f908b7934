using System.Text.Json;
using System.Xml.Linq;
using Azure;

namespace Blueshift.Storage;

/// <summary>
/// Turns an unexpected service response into a <see cref="RequestFailedException"/> carrying the status and the
/// service error code. Messages are written here rather than taken whole from the service, because an
/// authentication failure's details echo the request signature.
/// </summary>
internal static class StorageErrors
{
    public static RequestFailedException Create(Response response, string operation)
    {
        var (code, serviceMessage) = Parse(response);
        string message;
        // Azure answers a bad signature with AuthenticationFailed; Azurite's Table service with AuthorizationFailure,
        // which Azure also uses when network rules block the caller.
        if (response.Status == 403 && code is null or "AuthenticationFailed" or "AuthorizationFailure")
        {
            var network = code == "AuthorizationFailure" ? " (or the account's network rules do not admit this caller)" : string.Empty;
            message = $"{operation} was rejected: the storage account did not accept the credential{network}. Check the account " +
                      "name and AccountKey in the connection string, or the identity behind the token credential. " +
                      $"(Status {response.Status}, ErrorCode {code ?? "none"})";
        }
        else if (response.Status == 403)
        {
            message = $"{operation} was rejected: the credential is not authorized for this operation; with Entra ID, " +
                      "grant the identity a Storage Table/Queue Data Contributor role. " +
                      $"(Status {response.Status}, ErrorCode {code})";
        }
        else
        {
            var detail = serviceMessage is null ? response.ReasonPhrase : serviceMessage;
            message = $"{operation} failed: {detail} (Status {response.Status}, ErrorCode {code ?? "none"})";
        }
        return new RequestFailedException(response.Status, message, code, null);
    }

    private static (string? Code, string? Message) Parse(Response response)
    {
        response.Headers.TryGetValue("x-ms-error-code", out var headerCode);
        var (bodyCode, bodyMessage) = ParseBody(response);
        return (headerCode ?? bodyCode, FirstLine(bodyMessage));
    }

    private static (string? Code, string? Message) ParseBody(Response response)
    {
        var content = response.Content;
        if (content is null || content.ToMemory().IsEmpty)
        {
            return (null, null);
        }
        try
        {
            var text = content.ToString().TrimStart();
            if (text.StartsWith('{'))
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.TryGetProperty("odata.error", out var error) || json.RootElement.TryGetProperty("error", out error))
                {
                    var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    string? message = null;
                    if (error.TryGetProperty("message", out var m))
                    {
                        message = m.ValueKind switch
                        {
                            JsonValueKind.String => m.GetString(),
                            JsonValueKind.Object when m.TryGetProperty("value", out var v) => v.GetString(),
                            _ => null,
                        };
                    }
                    return (code, message);
                }
            }
            else if (text.StartsWith('<'))
            {
                var root = XDocument.Parse(text).Root;
                return (root?.Element("Code")?.Value, root?.Element("Message")?.Value);
            }
        }
        catch (Exception ex) when (ex is JsonException or System.Xml.XmlException or InvalidOperationException)
        {
            // An unreadable error body still yields a useful exception from the status alone.
        }
        return (null, null);
    }

    private static string? FirstLine(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }
        var newline = message.IndexOfAny(['\r', '\n']);
        return (newline < 0 ? message : message[..newline]).Trim();
    }
}
