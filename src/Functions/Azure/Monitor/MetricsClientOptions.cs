using Azure.Core;

namespace Blueshift.Functions.Azure.Monitor;

/// <summary>Options of <see cref="MetricsClient"/>. Retries (<see cref="ClientOptions.Retry"/>) default to Azure.Core's: 3 retries, exponential back-off, Retry-After honoured.</summary>
public sealed class MetricsClientOptions : ClientOptions
{
    /// <summary>Creates options whose logs show the metric query parameters and ARM's correlation id (no secrets).</summary>
    public MetricsClientOptions()
    {
        foreach (var name in new[] { "metricnames", "timespan", "interval", "aggregation", "metricnamespace" })
        {
            Diagnostics.LoggedQueryParameters.Add(name);
        }
        Diagnostics.LoggedHeaderNames.Add("x-ms-correlation-request-id");
    }

    /// <summary>
    /// The Azure Resource Manager endpoint that serves the Metrics REST API: <c>https://management.azure.com</c> by
    /// default, or the App Service emulator's <c>http://127.0.0.1:{port}</c> (plain HTTP only on loopback).
    /// </summary>
    public Uri Endpoint { get; set; } = new("https://management.azure.com");

    /// <summary>The clock retry waits run on; tests substitute their own.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
