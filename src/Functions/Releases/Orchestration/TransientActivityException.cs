using System.Net;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// An activity failed for a reason that says nothing about the release: Azure throttled (429) or timed out (408), a
/// server error (5xx), the network, or a call that took too long. Only these are retried by the orchestrations'
/// retry policy (<see cref="OrchestrationSteps.Retries"/>); anything else (a 4xx refusal, invalid data, a bug) fails
/// the activity at once, and the release rolls back.
/// </summary>
public sealed class TransientActivityException : Exception
{
    public TransientActivityException()
    {
    }

    public TransientActivityException(string message)
        : base(message)
    {
    }

    public TransientActivityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether <paramref name="exception"/> (or what it wraps) is a fault worth trying again.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        TransientActivityException => true,
        global::Azure.RequestFailedException rfe => rfe.Status == 0 || IsTransientStatus(rfe.Status) || (rfe.InnerException is { } inner && IsTransient(inner)),
        HttpRequestException hre => hre.StatusCode is not { } status || IsTransientStatus((int)status),
        IOException or TimeoutException or OperationCanceledException => true,
        AggregateException { InnerExceptions.Count: 1 } aggregate => IsTransient(aggregate.InnerExceptions[0]),
        _ => false,
    };

    private static bool IsTransientStatus(int status) =>
        status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500 and <= 599;

    /// <summary>The fault in a few words, without the response text (answers may quote settings).</summary>
    internal static string Describe(Exception exception) => exception switch
    {
        global::Azure.RequestFailedException rfe => rfe.Status == 0 ? "no answer from Azure" : $"Azure answered {rfe.Status}",
        HttpRequestException hre => hre.StatusCode is { } status ? $"HTTP {(int)status}" : $"network error {hre.HttpRequestError}",
        OperationCanceledException or TimeoutException => "timed out",
        _ => exception.GetType().Name,
    };
}
