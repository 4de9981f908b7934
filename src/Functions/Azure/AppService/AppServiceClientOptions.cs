using Azure.Core;

namespace Blueshift.Functions.Azure.AppService;

/// <summary>Options of <see cref="WebSitesClient"/>. Retries (<see cref="ClientOptions.Retry"/>) default to Azure.Core's: 3 retries, exponential back-off, Retry-After honoured.</summary>
public sealed class AppServiceClientOptions : ClientOptions
{
    /// <summary>Creates options whose logs also show ARM's correlation headers (what a support request asks for; no secrets).</summary>
    public AppServiceClientOptions()
    {
        Diagnostics.LoggedHeaderNames.Add("x-ms-correlation-request-id");
        Diagnostics.LoggedHeaderNames.Add("x-ms-routing-request-id");
    }

    /// <summary>
    /// The Azure Resource Manager endpoint: <c>https://management.azure.com</c> by default, another cloud's ARM
    /// endpoint, or the App Service emulator's <c>http://127.0.0.1:{port}</c> (plain HTTP only on loopback).
    /// </summary>
    public Uri Endpoint { get; set; } = new("https://management.azure.com");

    /// <summary>The clock retry waits run on; tests substitute their own.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
