using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>Builds the one <see cref="HttpPipeline"/> an Azure Resource Manager client uses: retries, logging with redaction, authentication.</summary>
internal static class ArmPipeline
{
    /// <summary>The public Azure Resource Manager endpoint.</summary>
    public static readonly Uri DefaultEndpoint = new("https://management.azure.com");

    public static HttpPipeline Build(ClientOptions options, Uri endpoint, TokenCredential credential, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ValidateEndpoint(endpoint);
        ValidateDiagnostics(options.Diagnostics);

        options.RetryPolicy ??= new ArmRetryPolicy(options.Retry, timeProvider);
        var scope = endpoint.GetLeftPart(UriPartial.Authority) + "/.default";
        HttpPipelinePolicy authentication = endpoint.Scheme == Uri.UriSchemeHttps
            ? new BearerTokenAuthenticationPolicy(credential, scope)
            : new LoopbackBearerTokenPolicy(credential, scope);
        return HttpPipelineBuilder.Build(options, authentication);
    }

    /// <summary>Normalises an ARM endpoint to its scheme and authority; HTTPS, or plain HTTP to a loopback emulator only.</summary>
    public static Uri NormalizeEndpoint(Uri? endpoint)
    {
        var value = endpoint ?? DefaultEndpoint;
        ValidateEndpoint(value);
        return new Uri(value.GetLeftPart(UriPartial.Authority));
    }

    private static void ValidateEndpoint(Uri endpoint)
    {
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException($"The Azure Resource Manager endpoint '{endpoint}' must be an absolute URI such as https://management.azure.com.", nameof(endpoint));
        }
        var isHttps = endpoint.Scheme == Uri.UriSchemeHttps;
        var isLoopbackHttp = endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback;
        if (!isHttps && !isLoopbackHttp)
        {
            throw new ArgumentException(
                $"The Azure Resource Manager endpoint '{endpoint.GetLeftPart(UriPartial.Authority)}' must use HTTPS; plain HTTP is allowed only for a loopback emulator (127.0.0.1, localhost).",
                nameof(endpoint));
        }
    }

    private static void ValidateDiagnostics(DiagnosticsOptions diagnostics)
    {
        // App settings, backup SAS URLs and tokens travel in these bodies and headers; logging them would leak secrets.
        if (diagnostics.IsLoggingContentEnabled)
        {
            throw new ArgumentException("Diagnostics.IsLoggingContentEnabled must stay false: request and response bodies carry app settings and storage SAS URLs.", nameof(diagnostics));
        }
        if (diagnostics.LoggedHeaderNames.Any(h => string.Equals(h, HttpHeader.Names.Authorization, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException("Diagnostics.LoggedHeaderNames must not include Authorization: it carries the bearer token.", nameof(diagnostics));
        }
    }
}
