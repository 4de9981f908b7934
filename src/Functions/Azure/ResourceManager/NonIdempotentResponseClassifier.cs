using Azure.Core;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>
/// Classifies responses of requests that must not run twice (a swap swaps back when repeated): only 429, which
/// guarantees the request was not processed, is retried. A 5xx or a lost connection may hide an accepted request,
/// so it surfaces to the caller, who reads the resource's state before trying again.
/// </summary>
internal sealed class NonIdempotentResponseClassifier : ResponseClassifier
{
    public static readonly NonIdempotentResponseClassifier Instance = new();

    public override bool IsRetriableResponse(HttpMessage message) => message.Response.Status == 429;

    public override bool IsRetriableException(Exception exception) => false;

    public override bool IsRetriable(HttpMessage message, Exception exception) => false;
}
