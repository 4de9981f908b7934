using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.Storage.Authentication;

internal static class StorageAuthentication
{
    /// <summary>The Entra ID scope for Azure Storage data-plane access (tables, queues, blobs).</summary>
    public const string Scope = "https://storage.azure.com/.default";

    public static HttpPipelinePolicy Bearer(TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new BearerTokenAuthenticationPolicy(credential, Scope);
    }

    /// <summary>Endpoints are stored without a trailing slash so that appending "/Tables" or "/queue" gives one separator.</summary>
    public static Uri NormalizeEndpoint(Uri endpoint, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(endpoint, parameterName);
        if (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(endpoint.Query))
        {
            throw new ArgumentException("The service endpoint must be an absolute http or https URL without a query.", parameterName);
        }
        return new Uri(endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
    }
}
