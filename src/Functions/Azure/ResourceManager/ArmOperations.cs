using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>
/// The Azure Resource Manager long-running operation protocol, split so that starting and polling happen in
/// separate calls: 200/201/204 means done, 202 carries <c>Azure-AsyncOperation</c> and/or <c>Location</c> to poll.
/// </summary>
internal static class ArmOperations
{
    public static ArmOperation FromStartResponse(Response response, string operation, TimeProvider timeProvider)
    {
        if (response.Status != 202)
        {
            return new ArmOperation(null, ArmOperationStatus.Succeeded);
        }
        var url = PollingUrl(response)
            ?? throw new RequestFailedException(202, $"{operation} was accepted but the service gave no Azure-AsyncOperation or Location URL to poll.", "MissingPollingUrl", null);
        return new ArmOperation(url, ArmOperationStatus.InProgress, null, ArmErrors.ReadRetryAfter(response, timeProvider));
    }

    public static HttpMessage CreatePollRequest(HttpPipeline pipeline, Uri endpoint, string operationUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operationUrl);
        if (!Uri.TryCreate(operationUrl, UriKind.Absolute, out var uri)
            || !string.Equals(uri.GetLeftPart(UriPartial.Authority), endpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            // A persisted URL is replayed with our bearer token: it must point at the ARM endpoint we trust.
            throw new ArgumentException($"The operation URL must be an absolute URL on {endpoint.GetLeftPart(UriPartial.Authority)}.", nameof(operationUrl));
        }
        var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.Add("Accept", "application/json");
        return message;
    }

    public static ArmOperation FromPollResponse(Response response, string operationUrl, string operation, TimeProvider timeProvider)
    {
        var retryAfter = ArmErrors.ReadRetryAfter(response, timeProvider);
        switch (response.Status)
        {
            case 202:
                return new ArmOperation(PollingUrl(response) ?? operationUrl, ArmOperationStatus.InProgress, null, retryAfter);
            case 200 or 201 or 204:
                return FromStatusBody(response, operationUrl, retryAfter);
            // A Location URL reports a failed operation with its own 4xx; these others are about the poll itself.
            case >= 400 and < 500 and not (401 or 403 or 404 or 408 or 429):
                return new ArmOperation(operationUrl, ArmOperationStatus.Failed,
                    ArmErrors.TryReadError(response) ?? new ArmOperationError(response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), response.ReasonPhrase));
            default:
                throw ArmErrors.Unexpected(response, operation);
        }
    }

    private static ArmOperation FromStatusBody(Response response, string operationUrl, TimeSpan? retryAfter)
    {
        if (!ArmJson.TryParseObject(response, out var document))
        {
            return new ArmOperation(operationUrl, ArmOperationStatus.Succeeded);
        }
        using (document)
        {
            // An Azure-AsyncOperation body has a top-level status; a Location result is the resource itself.
            var root = document.RootElement;
            var status = root.GetString("status");
            if (status is null && root.GetObject("properties").GetString("provisioningState") is { } provisioning
                && (provisioning.Equals("Failed", StringComparison.OrdinalIgnoreCase) || provisioning.Equals("Canceled", StringComparison.OrdinalIgnoreCase)))
            {
                // A Location result that is a resource reports a failed deployment through its provisioning state.
                var properties = root.GetObject("properties");
                var error = ArmErrors.ReadError(properties.GetObject("error")) ?? ArmErrors.ReadError(root.GetObject("error"));
                return new ArmOperation(operationUrl, ArmOperationStatus.Failed, error
                    ?? new ArmOperationError(provisioning, properties.GetString("message") ?? $"The operation ended with provisioning state {provisioning}."));
            }
            return status switch
            {
                null => new ArmOperation(operationUrl, ArmOperationStatus.Succeeded),
                _ when status.Equals("Succeeded", StringComparison.OrdinalIgnoreCase) => new ArmOperation(operationUrl, ArmOperationStatus.Succeeded),
                _ when status.Equals("Failed", StringComparison.OrdinalIgnoreCase) => new ArmOperation(operationUrl, ArmOperationStatus.Failed,
                    ArmErrors.ReadError(document.RootElement.GetObject("error")) ?? new ArmOperationError("Failed", "The operation failed without an error message.")),
                _ when status.Equals("Canceled", StringComparison.OrdinalIgnoreCase) || status.Equals("Cancelled", StringComparison.OrdinalIgnoreCase) =>
                    new ArmOperation(operationUrl, ArmOperationStatus.Failed,
                        ArmErrors.ReadError(document.RootElement.GetObject("error")) ?? new ArmOperationError("Canceled", "The operation was canceled.")),
                _ => new ArmOperation(operationUrl, ArmOperationStatus.InProgress, null, retryAfter),
            };
        }
    }

    private static string? PollingUrl(Response response) =>
        response.Headers.TryGetValue("Azure-AsyncOperation", out var asyncOperation) && !string.IsNullOrWhiteSpace(asyncOperation) ? asyncOperation
        : response.Headers.TryGetValue("Location", out var location) && !string.IsNullOrWhiteSpace(location) ? location
        : null;
}
