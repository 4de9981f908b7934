using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;

namespace Blueshift.Functions.Storage;

/// <summary>
/// The storage account Blueshift keeps its tables in, read from the Functions host's own setting
/// <c>AzureWebJobsStorage</c>: either a connection string (<c>UseDevelopmentStorage=true</c>, Azurite's explicit one,
/// or an account name and key), or the identity-based form the host understands
/// (<c>AzureWebJobsStorage__tableServiceUri</c> or <c>__accountName</c>, with <c>__credential=managedidentity</c> and
/// an optional <c>__clientId</c> for a user-assigned identity; without <c>__credential</c>, DefaultAzureCredential).
/// </summary>
/// <remarks>
/// Error messages name settings, never their values: a connection string carries the account key. A token credential
/// is only ever sent over https.
/// </remarks>
public sealed class StorageConnection
{
    /// <summary>The setting (and, with <c>__</c>, the prefix of the identity-based settings) the Functions host reads.</summary>
    public const string SettingName = "AzureWebJobsStorage";

    private const string ManagedIdentity = "managedidentity";

    private readonly string? _connectionString;
    private readonly TokenCredential? _credential;

    private StorageConnection(string? connectionString, Uri tableServiceUri, TokenCredential? credential, string description)
    {
        _connectionString = connectionString;
        TableServiceUri = tableServiceUri;
        _credential = credential;
        Description = description;
    }

    /// <summary>The Table service endpoint (for Azurite, path-style: <c>http://127.0.0.1:10002/devstoreaccount1</c>).</summary>
    public Uri TableServiceUri { get; }

    /// <summary>How the connection authenticates, in words safe to log ("connection string", "managed identity", ...).</summary>
    public string Description { get; }

    /// <summary>True when requests carry Entra ID tokens rather than the account key.</summary>
    public bool IsIdentityBased => _credential is not null;

    /// <summary>Reads <c>AzureWebJobsStorage</c> (or the setting <paramref name="name"/>) from configuration.</summary>
    /// <exception cref="StorageConfigurationException">The setting is missing, malformed or contradictory; the message says which part and what to do.</exception>
    public static StorageConnection FromConfiguration(IConfiguration configuration, string name = SettingName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(name);
        var connectionString = section.Value;
        var tableServiceUri = section["tableServiceUri"];
        var accountName = section["accountName"];
        var identityBased = !string.IsNullOrWhiteSpace(tableServiceUri) || !string.IsNullOrWhiteSpace(accountName);

        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            if (identityBased)
            {
                throw new StorageConfigurationException(
                    $"{name} is set both as a connection string and as an identity-based connection ({name}__tableServiceUri or {name}__accountName); keep one of them.");
            }
            return FromConnectionString(connectionString, name);
        }
        if (!identityBased)
        {
            throw new StorageConfigurationException(
                $"{name} is not set: set it to a storage connection string (UseDevelopmentStorage=true for Azurite), or set " +
                $"{name}__tableServiceUri (or {name}__accountName) for an identity-based connection.");
        }
        return FromIdentitySettings(section, name, tableServiceUri, accountName);
    }

    /// <summary>A connection from a storage connection string; <paramref name="name"/> is the setting it came from, for messages.</summary>
    /// <exception cref="StorageConfigurationException">The connection string is not one the Table service client accepts.</exception>
    public static StorageConnection FromConnectionString(string connectionString, string name = SettingName)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new StorageConfigurationException($"{name} is empty: set it to a storage connection string.");
        }
        TableServiceClient client;
        try
        {
            client = new TableServiceClient(connectionString);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            // The client's own message may quote the string, key included, so it is not passed on.
            throw new StorageConfigurationException(
                $"{name} is not a valid storage connection string. Expected 'UseDevelopmentStorage=true' or " +
                "'DefaultEndpointsProtocol=https;AccountName=<name>;AccountKey=<key>;EndpointSuffix=core.windows.net' " +
                "(optionally with TableEndpoint, QueueEndpoint, BlobEndpoint).");
        }
        return new StorageConnection(connectionString, client.Uri, credential: null, "connection string");
    }

    /// <summary>A client for the account's Table service; share it (it is thread-safe) rather than create one per use.</summary>
    public TableServiceClient CreateTableServiceClient(TableClientOptions? options = null)
    {
        options ??= new TableClientOptions();
        return _credential is null
            ? new TableServiceClient(_connectionString, options)
            : new TableServiceClient(TableServiceUri, _credential, options);
    }

    private static StorageConnection FromIdentitySettings(IConfigurationSection section, string name, string? tableServiceUri, string? accountName)
    {
        Uri endpoint;
        if (!string.IsNullOrWhiteSpace(tableServiceUri))
        {
            if (!Uri.TryCreate(tableServiceUri, UriKind.Absolute, out var parsed) || !string.IsNullOrEmpty(parsed.Query))
            {
                throw new StorageConfigurationException($"{name}__tableServiceUri must be an absolute https URL without a query, such as https://<account>.table.core.windows.net.");
            }
            endpoint = parsed;
        }
        else if (Uri.TryCreate($"https://{accountName!.Trim()}.table.core.windows.net", UriKind.Absolute, out var derived) && IsAccountName(accountName.Trim()))
        {
            endpoint = derived;
        }
        else
        {
            throw new StorageConfigurationException($"{name}__accountName must be a storage account name: 3 to 24 lowercase letters and digits.");
        }
        if (endpoint.Scheme != Uri.UriSchemeHttps)
        {
            // A bearer token sent over plain http could be read off the wire; the Azure SDK refuses too, later and less clearly.
            throw new StorageConfigurationException($"{name}__tableServiceUri must use https: an identity-based connection sends Entra ID tokens.");
        }

        var credentialKind = section["credential"];
        var clientId = section["clientId"];
        TokenCredential credential;
        string description;
        if (string.Equals(credentialKind, ManagedIdentity, StringComparison.OrdinalIgnoreCase))
        {
            (credential, description) = string.IsNullOrWhiteSpace(clientId)
                ? (new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned), "system-assigned managed identity")
                : (new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId.Trim())), "user-assigned managed identity");
        }
        else if (string.IsNullOrWhiteSpace(credentialKind))
        {
            if (!string.IsNullOrWhiteSpace(clientId))
            {
                throw new StorageConfigurationException(
                    $"{name}__clientId is set without {name}__credential=managedidentity; set both to use a user-assigned managed identity, or remove the client id.");
            }
            (credential, description) = (new DefaultAzureCredential(), "DefaultAzureCredential");
        }
        else
        {
            throw new StorageConfigurationException($"{name}__credential must be 'managedidentity' or absent (DefaultAzureCredential).");
        }
        return new StorageConnection(null, endpoint, credential, description);
    }

    private static bool IsAccountName(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9');
}

/// <summary>The storage setting is missing, malformed or contradictory; the message names the setting, never its value.</summary>
public sealed class StorageConfigurationException(string message) : InvalidOperationException(message);
