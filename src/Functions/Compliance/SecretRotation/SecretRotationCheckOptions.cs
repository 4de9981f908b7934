namespace Blueshift.Functions.Compliance.SecretRotation;

/// <summary>The secret rotation check's settings (<c>Blueshift:Compliance:SecretRotation</c>).</summary>
public sealed class SecretRotationCheckOptions
{
    public const string SectionName = "Blueshift:Compliance:SecretRotation";

    /// <summary>A secret expiring within this window is a finding (<c>secret-rotation.expiring</c>).</summary>
    public TimeSpan ExpiryWarning { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A secret due for rotation within this window is a finding (<c>secret-rotation.due-soon</c>).</summary>
    public TimeSpan DueSoonWithin { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// The DNS suffix of the vaults Blueshift reads: <c>vault.azure.net</c> in Azure's public cloud. A reference to a vault
    /// elsewhere is an observation, never a request.
    /// </summary>
    public string VaultDnsSuffix { get; set; } = Apps.ManagedAppValidation.DefaultVaultDnsSuffix;

    /// <summary>
    /// Reaches every vault at this endpoint instead of its own host name: the App Service emulator's Key Vault stand-in in
    /// local runs and tests. Loopback only; null (the default) in Azure.
    /// </summary>
    public Uri? VaultEndpoint { get; set; }

    /// <summary>How often the SDK retries a throttled (429) or unavailable (503) vault request before the check fails.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Throws with what to change when the options cannot work.</summary>
    public void Validate()
    {
        if (ExpiryWarning < TimeSpan.Zero || DueSoonWithin < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:ExpiryWarning and :DueSoonWithin must not be negative.");
        }
        if (string.IsNullOrWhiteSpace(VaultDnsSuffix) || Uri.CheckHostName("v." + VaultDnsSuffix.Trim('.')) != UriHostNameType.Dns)
        {
            throw new InvalidOperationException($"{SectionName}:VaultDnsSuffix must be a DNS suffix such as vault.azure.net.");
        }
        if (VaultEndpoint is not null && (!VaultEndpoint.IsAbsoluteUri || VaultEndpoint.Scheme != Uri.UriSchemeHttps || !VaultEndpoint.IsLoopback))
        {
            throw new InvalidOperationException($"{SectionName}:VaultEndpoint is for the Key Vault stand-in only: an https loopback URL, or leave it out.");
        }
        if (MaxRetries is < 0 or > 10)
        {
            throw new InvalidOperationException($"{SectionName}:MaxRetries must be between 0 and 10.");
        }
    }
}
