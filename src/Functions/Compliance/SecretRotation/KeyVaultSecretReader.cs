using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Security.KeyVault.Secrets;

namespace Blueshift.Functions.Compliance.SecretRotation;

/// <summary>The properties of a secret's current version that the rotation check judges; never its value.</summary>
public sealed record SecretVersionProperties(
    string? Version,
    DateTimeOffset? CreatedOn,
    DateTimeOffset? UpdatedOn,
    DateTimeOffset? ExpiresOn,
    bool? Enabled,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>The port to where apps' secrets are kept: properties of a secret's current version, never a value.</summary>
public interface ISecretPropertiesReader
{
    /// <summary>The properties of <paramref name="secret"/>'s current version, or null when its vault has no such secret.</summary>
    Task<SecretVersionProperties?> GetCurrentAsync(KeyVaultSecretRef secret, CancellationToken cancellationToken);
}

/// <summary>
/// Reads Key Vault secrets' properties (dates, tags, enabled) with Blueshift's identity, one <see cref="SecretClient"/> per
/// vault, kept for the life of the reader. It never asks for a value: it only lists a secret's versions, which carry none.
/// Throttling (429) and unavailability (503) are retried by the SDK's retry policy (honouring Retry-After); a vault that
/// still fails throws <see cref="RequestFailedException"/>.
/// </summary>
public sealed class KeyVaultSecretReader(TokenCredential credential, SecretRotationCheckOptions options, Action<SecretClientOptions>? configureClient = null) : ISecretPropertiesReader
{
    private readonly ConcurrentDictionary<Uri, SecretClient> _clients = new();

    /// <summary>Why no vault can be read with this configuration (every read then throws saying so); null when it can.</summary>
    public string? Unavailable { get; init; }

    /// <summary>
    /// Where <paramref name="secret"/>'s vault is reached: the configured endpoint (the emulator), else
    /// <c>https://{vault}.{suffix}/</c>, built from the vault's name and the configured suffix only, never from a host a
    /// reference names.
    /// </summary>
    public Uri VaultUriOf(KeyVaultSecretRef secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return options.VaultEndpoint ?? new Uri($"https://{secret.Vault}.{options.VaultDnsSuffix.Trim('.')}/");
    }

    /// <summary>The properties of the secret's current version (the newest), or null when the vault has no such secret.</summary>
    /// <exception cref="ArgumentException">The secret's URI names a host other than <c>{vault}.{suffix}</c>: nothing is sent.</exception>
    public async Task<SecretVersionProperties?> GetCurrentAsync(KeyVaultSecretRef secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (Unavailable is not null)
        {
            throw new InvalidOperationException(Unavailable);
        }
        if (!secret.IsHostedUnder(options.VaultDnsSuffix))
        {
            throw new ArgumentException($"Secret '{secret.Subject}' is not in a vault under {options.VaultDnsSuffix.Trim('.')}; Blueshift reads vaults there only.", nameof(secret));
        }
        var client = _clients.GetOrAdd(VaultUriOf(secret), CreateClient);
        SecretProperties? current = null;
        try
        {
            await foreach (var version in client.GetPropertiesOfSecretVersionsAsync(secret.Name, cancellationToken))
            {
                if (current is null || Newer(version, current))
                {
                    current = version;
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        return current is null
            ? null
            : new SecretVersionProperties(current.Version, current.CreatedOn, current.UpdatedOn, current.ExpiresOn, current.Enabled,
                new Dictionary<string, string>(current.Tags, StringComparer.Ordinal));
    }

    // Versions come in no promised order; the current one is the last created.
    private static bool Newer(SecretProperties candidate, SecretProperties current) =>
        (candidate.CreatedOn ?? DateTimeOffset.MinValue, candidate.UpdatedOn ?? DateTimeOffset.MinValue)
            .CompareTo((current.CreatedOn ?? DateTimeOffset.MinValue, current.UpdatedOn ?? DateTimeOffset.MinValue)) > 0;

    private SecretClient CreateClient(Uri vaultUri)
    {
        var clientOptions = new SecretClientOptions
        {
            // The Key Vault stand-in answers on a loopback address while its challenge names vault.azure.net.
            DisableChallengeResourceVerification = options.VaultEndpoint is not null,
        };
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        configureClient?.Invoke(clientOptions);
        return new SecretClient(vaultUri, credential, clientOptions);
    }
}
