namespace Blueshift.Storage;

/// <summary>
/// A parsed Azure Storage connection string: either <c>UseDevelopmentStorage=true</c> (Azurite's well-known
/// <c>devstoreaccount1</c> on 127.0.0.1:10000/10001/10002) or an account name and key with endpoints derived from
/// <c>DefaultEndpointsProtocol</c> and <c>EndpointSuffix</c>, or given explicitly as <c>TableEndpoint</c>,
/// <c>QueueEndpoint</c>, <c>BlobEndpoint</c>.
/// </summary>
/// <remarks>Deliberately not a record: its string form must never show the account key.</remarks>
public sealed class StorageConnectionString
{
    /// <summary>The development storage account name (public and documented by Microsoft).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    // Azurite's well-known development key: public and documented by Microsoft, not a secret.
    private const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string Expected =
        "Expected 'UseDevelopmentStorage=true' or 'DefaultEndpointsProtocol=https;AccountName=<name>;AccountKey=<key>;EndpointSuffix=core.windows.net' (optionally with TableEndpoint, QueueEndpoint, BlobEndpoint).";

    private static readonly HashSet<string> KnownSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "UseDevelopmentStorage", "DefaultEndpointsProtocol", "AccountName", "AccountKey", "EndpointSuffix",
        "TableEndpoint", "QueueEndpoint", "BlobEndpoint", "FileEndpoint", "SharedAccessSignature",
    };

    private StorageConnectionString(StorageSharedKeyCredential credential, Uri tableEndpoint, Uri queueEndpoint, Uri blobEndpoint)
    {
        Credential = credential;
        TableEndpoint = tableEndpoint;
        QueueEndpoint = queueEndpoint;
        BlobEndpoint = blobEndpoint;
    }

    /// <summary>The account name.</summary>
    public string AccountName => Credential.AccountName;

    /// <summary>The account name and key that sign requests.</summary>
    public StorageSharedKeyCredential Credential { get; }

    /// <summary>The Table service endpoint (for Azurite, path-style: <c>http://127.0.0.1:10002/devstoreaccount1</c>).</summary>
    public Uri TableEndpoint { get; }

    /// <summary>The Queue service endpoint.</summary>
    public Uri QueueEndpoint { get; }

    /// <summary>The Blob service endpoint.</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>Parses a connection string.</summary>
    /// <exception cref="FormatException">The string is malformed or incomplete; the message names the problem but never repeats a value.</exception>
    public static StorageConnectionString Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw Invalid("it is empty");
        }

        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                throw Invalid("a segment is not of the form 'Name=Value'");
            }
            var name = segment[..equals].Trim();
            if (!settings.TryAdd(name, segment[(equals + 1)..].Trim()))
            {
                // Only well-known names are echoed: an unknown "name" may be a pasted key.
                throw Invalid(KnownSettings.Contains(name) ? $"'{name}' appears more than once" : "a setting appears more than once");
            }
        }

        if (settings.ContainsKey("SharedAccessSignature"))
        {
            throw Invalid("shared access signatures are not supported; use an account key or an Entra ID token credential");
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var development))
        {
            if (!string.Equals(development, "true", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid("UseDevelopmentStorage must be 'true' when present");
            }
            if (settings.Count > 1)
            {
                throw Invalid("UseDevelopmentStorage=true cannot be combined with other settings; list the development account's endpoints explicitly instead");
            }
            return new StorageConnectionString(
                new StorageSharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey),
                new Uri($"http://127.0.0.1:10002/{DevelopmentAccountName}"),
                new Uri($"http://127.0.0.1:10001/{DevelopmentAccountName}"),
                new Uri($"http://127.0.0.1:10000/{DevelopmentAccountName}"));
        }

        var accountName = Required(settings, "AccountName");
        var accountKey = Required(settings, "AccountKey");
        StorageSharedKeyCredential credential;
        try
        {
            credential = new StorageSharedKeyCredential(accountName, accountKey);
        }
        catch (ArgumentException)
        {
            throw Invalid("AccountKey is not valid base64");
        }

        var protocol = settings.GetValueOrDefault("DefaultEndpointsProtocol", "https");
        if (protocol is not ("http" or "https"))
        {
            throw Invalid("DefaultEndpointsProtocol must be 'http' or 'https'");
        }
        var suffix = settings.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        if (suffix.Length == 0 || suffix.Contains('/'))
        {
            throw Invalid("EndpointSuffix must be a host name suffix such as 'core.windows.net'");
        }

        Uri Endpoint(string setting, string service) =>
            settings.TryGetValue(setting, out var explicitEndpoint)
                ? ExplicitEndpoint(setting, explicitEndpoint)
                : DerivedEndpoint(protocol, accountName, service, suffix);

        return new StorageConnectionString(credential, Endpoint("TableEndpoint", "table"), Endpoint("QueueEndpoint", "queue"), Endpoint("BlobEndpoint", "blob"));
    }

    private static string Required(Dictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var value) && value.Length > 0 ? value : throw Invalid($"{name} is missing");

    private static Uri ExplicitEndpoint(string setting, string value)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query))
        {
            return uri;
        }
        throw Invalid($"{setting} must be an absolute http or https URL without a query");
    }

    private static Uri DerivedEndpoint(string protocol, string accountName, string service, string suffix) =>
        Uri.TryCreate($"{protocol}://{accountName}.{service}.{suffix}", UriKind.Absolute, out var uri)
            ? uri
            : throw Invalid("AccountName and EndpointSuffix do not form a valid host name");

    private static FormatException Invalid(string reason) => new($"The storage connection string is invalid: {reason}. {Expected}");
}
