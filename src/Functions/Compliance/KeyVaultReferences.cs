using System.Text.RegularExpressions;

namespace Blueshift.Functions.Compliance;

/// <summary>A Key Vault secret an app uses, by vault and secret name; never its value.</summary>
/// <param name="Vault">The vault's name (the first label of its host name), lowercase.</param>
/// <param name="Name">The secret's name (Key Vault compares secret names case-insensitively).</param>
/// <param name="VaultUri">The vault's URI when the reference names it (<c>SecretUri=</c>); null for <c>VaultName=</c> references.</param>
public sealed record KeyVaultSecretRef(string Vault, string Name, Uri? VaultUri = null)
{
    /// <summary>How findings name the secret: <c>{vault}/{secret}</c>, lowercase (Key Vault names ignore case).</summary>
    public string Subject => $"{Vault}/{Name.ToLowerInvariant()}";

    /// <summary>
    /// True when the reference reaches its vault at <c>{vault}.{vaultDnsSuffix}</c> (always for <c>VaultName=</c> references).
    /// Blueshift sends its identity only there: a <c>SecretUri=</c> naming any other host (<c>{vault}.vault.example.com</c>)
    /// could point it at a server that is no Key Vault of the cloud it runs in.
    /// </summary>
    public bool IsHostedUnder(string vaultDnsSuffix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vaultDnsSuffix);
        return VaultUri is null || VaultUri.IdnHost.Equals($"{Vault}.{vaultDnsSuffix.Trim('.')}", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// Reads the Key Vault references of App Service app settings
/// (<c>@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/{name}/{version?})</c> and
/// <c>@Microsoft.KeyVault(VaultName={vault};SecretName={name};SecretVersion={version?})</c>) and Key Vault secret URIs.
/// </summary>
public static partial class KeyVaultReferences
{
    // Key Vault names: 3–24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no "--".
    [GeneratedRegex("^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex VaultNamePattern();

    // Secret names: 1–127 letters, digits and hyphens.
    [GeneratedRegex("^[A-Za-z0-9-]{1,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretNamePattern();

    [GeneratedRegex("^[A-Za-z0-9]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^\s*@Microsoft\.KeyVault\((?<body>[^)]*)\)\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ReferencePattern();

    public static bool IsVaultName(string? value) => value is not null && VaultNamePattern().IsMatch(value);

    public static bool IsSecretName(string? value) => value is not null && SecretNamePattern().IsMatch(value);

    /// <summary>True when <paramref name="value"/> has the shape of a Key Vault reference (valid or not): it points at a secret and is none itself.</summary>
    public static bool LooksLikeReference(string? value) =>
        value is not null && value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses an app setting's value as a Key Vault reference; false for any other value.</summary>
    public static bool TryParseReference(string? value, out KeyVaultSecretRef? reference)
    {
        reference = null;
        if (value is null || ReferencePattern().Match(value) is not { Success: true } match)
        {
            return false;
        }
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in match.Groups["body"].Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }
            parts[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }
        if (parts.TryGetValue("SecretUri", out var uri))
        {
            return TryParseSecretUri(uri, allowVersion: true, out reference);
        }
        if (parts.TryGetValue("VaultName", out var vault) && parts.TryGetValue("SecretName", out var name)
            && IsVaultName(vault) && IsSecretName(name)
            && (!parts.TryGetValue("SecretVersion", out var version) || version.Length == 0 || VersionPattern().IsMatch(version)))
        {
            reference = new KeyVaultSecretRef(vault.ToLowerInvariant(), name);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Parses <c>https://{vault}.{vault DNS suffix}/secrets/{name}</c> (and <c>/{version}</c> when <paramref name="allowVersion"/>):
    /// https, the vault's name as the first label of a host whose next label is <c>vault</c>, no credentials, query or fragment.
    /// </summary>
    public static bool TryParseSecretUri(string? value, bool allowVersion, out KeyVaultSecretRef? reference)
    {
        reference = null;
        if (value is null || value.Length > 2048 || !Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || uri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(uri.UserInfo) || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || !uri.IsDefaultPort)
        {
            return false;
        }
        var labels = uri.IdnHost.Split('.');
        if (labels.Length < 3 || !IsVaultName(labels[0]) || !labels[1].Equals("vault", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var segments = uri.AbsolutePath.Trim('/').Split('/');
        var shaped = segments.Length switch
        {
            2 => true,
            3 => allowVersion && (segments[2].Length == 0 || VersionPattern().IsMatch(segments[2])),
            _ => false,
        };
        if (!shaped || !segments[0].Equals("secrets", StringComparison.OrdinalIgnoreCase) || !IsSecretName(segments[1]))
        {
            return false;
        }
        reference = new KeyVaultSecretRef(labels[0].ToLowerInvariant(), segments[1], new Uri($"https://{uri.IdnHost.ToLowerInvariant()}/"));
        return true;
    }
}
