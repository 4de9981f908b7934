namespace Blueshift.Functions.Azure;

/// <summary>How Blueshift reaches Azure Resource Manager (App Service and Metrics), from the <c>Blueshift:Azure</c> section.</summary>
public sealed class AzureOptions
{
    public const string SectionName = "Blueshift:Azure";

    /// <summary>The credential kinds Blueshift accepts; anything else is a start-up error.</summary>
    public static readonly IReadOnlyList<string> CredentialKinds = ["ManagedIdentity", "Default", "Development"];

    /// <summary>The ARM endpoint: the public cloud by default, the App Service emulator's loopback URL locally.</summary>
    public Uri ResourceManagerEndpoint { get; set; } = new("https://management.azure.com");

    /// <summary>
    /// <c>ManagedIdentity</c> (default: the function app's identity), <c>Default</c> (Azure.Identity's
    /// DefaultAzureCredential, for operators running against Azure from a workstation) or <c>Development</c>
    /// (the emulator's static token; only with a loopback endpoint).
    /// </summary>
    public string Credential { get; set; } = "ManagedIdentity";

    /// <summary>The client id of a user-assigned managed identity; null for the system-assigned one.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Throws with what to change when the options cannot work.</summary>
    public void Validate()
    {
        if (ResourceManagerEndpoint is null || !ResourceManagerEndpoint.IsAbsoluteUri)
        {
            throw new InvalidOperationException($"{SectionName}:ResourceManagerEndpoint must be an absolute URL such as https://management.azure.com.");
        }
        if (!CredentialKinds.Contains(Credential, StringComparer.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{SectionName}:Credential '{Credential}' is not supported: use one of {string.Join(", ", CredentialKinds)}.");
        }
        if (string.Equals(Credential, "Development", StringComparison.OrdinalIgnoreCase) && !ResourceManagerEndpoint.IsLoopback)
        {
            throw new InvalidOperationException($"{SectionName}:Credential 'Development' works only with a loopback ResourceManagerEndpoint (the App Service emulator), not {ResourceManagerEndpoint.GetLeftPart(UriPartial.Authority)}.");
        }
    }
}
