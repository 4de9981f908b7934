using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Blueshift.AppServiceEmulator;

/// <summary>A request the vault answered (no headers, no values).</summary>
public sealed record VaultRequestRecord(DateTimeOffset Time, string Method, string Path, string? ApiVersion, bool Authenticated, int Status);

/// <summary>A pending vault fault: the next <c>Remaining</c> authenticated requests answer <c>StatusCode</c>.</summary>
public sealed record VaultFault(int StatusCode, int Remaining, TimeSpan RetryAfter);

/// <summary>
/// A Key Vault stand-in (the secrets data plane, read side plus the challenge flow) that the real
/// Azure.Security.KeyVault.Secrets <c>SecretClient</c> talks to. It serves https only, with a self-signed certificate
/// made at start (clients trust exactly that certificate), on its own 127.0.0.1 port. A request without a bearer token
/// gets Key Vault's 401 challenge; only <see cref="DevelopmentToken"/> is accepted.
/// </summary>
public sealed partial class KeyVaultEmulator : IAsyncDisposable
{
    /// <summary>The token the vault accepts: the same development token the emulator's users pass to ARM (it grants nothing in Azure).</summary>
    public const string DevelopmentToken = "blueshift-development-token";

    /// <summary>The tenant named in the challenge's authorization URI.</summary>
    public const string Tenant = "00000000-0000-0000-0000-000000000000";

    /// <summary>The resource named in the challenge; the SDK asks its credential for <c>{Resource}/.default</c>.</summary>
    public const string Resource = "https://vault.azure.net";

    /// <summary>Secrets per page of <c>GET /secrets</c> and <c>GET /secrets/{name}/versions</c> (Key Vault's maximum is 25).</summary>
    public const int MaxPageSize = 25;

    public static readonly string Challenge = $"Bearer authorization=\"https://login.microsoftonline.com/{Tenant}\", resource=\"{Resource}\"";

    private readonly object _gate = new();
    private readonly List<VaultFault> _faults = [];
    private readonly List<VaultRequestRecord> _requests = [];
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private WebApplication? _app;

    private KeyVaultEmulator(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        Secrets = new VaultSecrets(time);
        Certificate = EmulatorCertificate.Create("CN=Blueshift Key Vault stand-in");
    }

    /// <summary>https://127.0.0.1:{port}/ — the vault URI to give a SecretClient.</summary>
    public Uri VaultUri { get; private set; } = null!;

    /// <summary>The vault's self-signed certificate (SAN 127.0.0.1 and localhost).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 thumbprint of <see cref="Certificate"/>, hex.</summary>
    public string CertificateThumbprint => Certificate.GetCertHashString(HashAlgorithmName.SHA256);

    internal VaultSecrets Secrets { get; }

    /// <summary>An HTTP handler trusting exactly the vault's certificate (by thumbprint); for <c>new HttpClientTransport(handler)</c>.</summary>
    public HttpMessageHandler CreateHttpHandler() => EmulatorCertificate.TrustingHandler(Certificate);

    internal static async Task<KeyVaultEmulator> StartAsync(int port, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var vault = new KeyVaultEmulator(time, logger);
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(vault.Certificate)));
            var app = builder.Build();
            app.Run(vault.HandleAsync);
            await app.StartAsync(cancellationToken);
            vault._app = app;
            vault.VaultUri = new Uri($"https://127.0.0.1:{ListenerPool.BoundPorts(app).First()}/");
            Log.VaultListening(logger, vault.VaultUri);
            return vault;
        }
        catch
        {
            await vault.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds a new current version of a secret (Set Secret), with the dates the spec gives.</summary>
    public VaultSecretVersion SetSecret(string name, VaultSecretSpec spec) => Secrets.Set(name, spec);

    /// <summary>Changes the current version's attributes; null leaves a field as it is.</summary>
    public VaultSecretVersion UpdateSecret(string name, string? contentType = null, IReadOnlyDictionary<string, string>? tags = null, bool? enabled = null,
        DateTimeOffset? updated = null, DateTimeOffset? expires = null, DateTimeOffset? notBefore = null) =>
        Secrets.Update(name, contentType, tags, enabled, updated, expires, notBefore);

    /// <summary>Removes a secret with all its versions; false when there was none.</summary>
    public bool DeleteSecret(string name) => Secrets.Delete(name);

    /// <summary>The current version of every secret, ordered by name.</summary>
    public IReadOnlyList<VaultSecretVersion> CurrentSecrets() => Secrets.Current();

    /// <summary>The next <paramref name="count"/> authenticated vault requests answer 429 or 503 with <c>Retry-After</c>.</summary>
    public void AddFault(int statusCode, int count, TimeSpan retryAfter)
    {
        if (statusCode is not (429 or 503))
        {
            throw new ArgumentException("A vault fault answers 429 or 503.", nameof(statusCode));
        }
        if (count is < 1 or > 10_000)
        {
            throw new ArgumentException("count is 1..10000.", nameof(count));
        }
        if (retryAfter < TimeSpan.Zero || retryAfter > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("retryAfter is 0..3600 seconds.", nameof(retryAfter));
        }
        lock (_gate)
        {
            _faults.Add(new VaultFault(statusCode, count, retryAfter));
        }
    }

    public IReadOnlyList<VaultFault> PendingFaults()
    {
        lock (_gate)
        {
            return [.. _faults];
        }
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>The requests answered so far, oldest first.</summary>
    public IReadOnlyList<VaultRequestRecord> Requests()
    {
        lock (_gate)
        {
            return [.. _requests];
        }
    }

    public void ClearRequests()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var apiVersion = request.Query["api-version"].FirstOrDefault();
        var authenticated = false;
        try
        {
            var authorization = request.Headers.Authorization.ToString();
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= "Bearer ".Length)
            {
                context.Response.Headers.WWWAuthenticate = Challenge;
                await WriteErrorAsync(context, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
                return;
            }
            if (!string.Equals(authorization["Bearer ".Length..].Trim(), DevelopmentToken, StringComparison.Ordinal))
            {
                context.Response.Headers.WWWAuthenticate = Challenge;
                await WriteErrorAsync(context, 401, "Unauthorized", "AKV10032: Invalid token: the Key Vault stand-in accepts only the development token.");
                return;
            }
            authenticated = true;
            if (TakeFault() is { } fault)
            {
                context.Response.Headers.RetryAfter = ((long)fault.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await (fault.StatusCode == 429
                    ? WriteErrorAsync(context, 429, "Throttled", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached")
                    : WriteErrorAsync(context, 503, "ServiceUnavailable", "The service is temporarily unavailable."));
                return;
            }
            if (apiVersion is null || !ApiVersionPattern().IsMatch(apiVersion))
            {
                await WriteErrorAsync(context, 400, "BadParameter", apiVersion is null
                    ? "The 'api-version' query parameter is missing."
                    : $"The specified version ({apiVersion}) is not recognized. Consider using the latest supported version (7.6).");
                return;
            }
            await RouteAsync(context, apiVersion);
        }
        finally
        {
            lock (_gate)
            {
                _requests.Add(new VaultRequestRecord(_time.GetUtcNow(), request.Method, request.Path.Value ?? "/", apiVersion, authenticated, context.Response.StatusCode));
            }
        }
    }

    private VaultFault? TakeFault()
    {
        lock (_gate)
        {
            if (_faults.Count == 0)
            {
                return null;
            }
            var fault = _faults[0];
            if (fault.Remaining > 1)
            {
                _faults[0] = fault with { Remaining = fault.Remaining - 1 };
            }
            else
            {
                _faults.RemoveAt(0);
            }
            return fault;
        }
    }

    private async Task RouteAsync(HttpContext context, string apiVersion)
    {
        var segments = (context.Request.Path.Value ?? "/").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (!HttpMethods.IsGet(context.Request.Method) || segments.Length is 0 or > 3 || !segments[0].Equals("secrets", StringComparison.OrdinalIgnoreCase))
        {
            var known = segments.Length > 0 && segments[0].Equals("secrets", StringComparison.OrdinalIgnoreCase) && segments.Length <= 3;
            await WriteErrorAsync(context, known ? 405 : 404, known ? "MethodNotAllowed" : "NotFound",
                known ? $"The Key Vault stand-in serves only GET on {context.Request.Path}." : $"The Key Vault stand-in has no endpoint at {context.Request.Path}.");
            return;
        }
        if (!TryPaging(context, out var skip, out var top, out var problem))
        {
            await WriteErrorAsync(context, 400, "BadParameter", problem!);
            return;
        }
        switch (segments.Length)
        {
            case 1:
            {
                var all = Secrets.Current();
                await WritePageAsync(context, all, skip, top, "secrets", apiVersion, v => ItemJson(v, withVersion: false));
                return;
            }
            case 3 when segments[2].Equals("versions", StringComparison.OrdinalIgnoreCase):
            {
                if (Secrets.Versions(segments[1]) is not { } versions)
                {
                    await NotFoundAsync(context, segments[1]);
                    return;
                }
                await WritePageAsync(context, versions, skip, top, $"secrets/{segments[1]}/versions", apiVersion, v => ItemJson(v, withVersion: true));
                return;
            }
            default:
            {
                var version = segments.Length == 3 ? segments[2] : null;
                if (Secrets.Get(segments[1], version) is not { } secret)
                {
                    await NotFoundAsync(context, version is null ? segments[1] : $"{segments[1]}/{version}");
                    return;
                }
                var body = ItemJson(secret, withVersion: true);
                body["value"] = secret.Value;
                if (secret.Managed)
                {
                    body["kid"] = new Uri(VaultUri, $"keys/{secret.Name}/{secret.Version}").ToString();
                }
                await WriteJsonAsync(context, 200, body);
                return;
            }
        }
    }

    private static bool TryPaging(HttpContext context, out int skip, out int top, out string? problem)
    {
        skip = 0;
        top = MaxPageSize;
        problem = null;
        var maxResults = context.Request.Query["maxresults"].FirstOrDefault();
        if (maxResults is not null && (!int.TryParse(maxResults, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxPageSize))
        {
            problem = $"maxresults must be 1..{MaxPageSize}.";
            return false;
        }
        var token = context.Request.Query["$skiptoken"].FirstOrDefault();
        if (token is not null && (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out skip) || skip < 0))
        {
            problem = "The $skiptoken is not one this vault issued.";
            return false;
        }
        return true;
    }

    private async Task WritePageAsync(HttpContext context, IReadOnlyList<VaultSecretVersion> all, int skip, int top, string path, string apiVersion,
        Func<VaultSecretVersion, JsonObject> item)
    {
        var page = new JsonArray([.. all.Skip(skip).Take(top).Select(v => (JsonNode)item(v))]);
        var next = skip + top < all.Count
            ? new Uri(VaultUri, $"{path}?api-version={Uri.EscapeDataString(apiVersion)}&$skiptoken={skip + top}&maxresults={top}").ToString()
            : null;
        await WriteJsonAsync(context, 200, new JsonObject { ["value"] = page, ["nextLink"] = next });
    }

    private JsonObject ItemJson(VaultSecretVersion secret, bool withVersion)
    {
        var attributes = new JsonObject
        {
            ["enabled"] = secret.Enabled,
            ["created"] = secret.Created.ToUnixTimeSeconds(),
            ["updated"] = secret.Updated.ToUnixTimeSeconds(),
            ["recoveryLevel"] = "Recoverable+Purgeable",
            ["recoverableDays"] = 90,
        };
        if (secret.Expires is { } expires)
        {
            attributes["exp"] = expires.ToUnixTimeSeconds();
        }
        if (secret.NotBefore is { } notBefore)
        {
            attributes["nbf"] = notBefore.ToUnixTimeSeconds();
        }
        var json = new JsonObject
        {
            ["id"] = new Uri(VaultUri, withVersion ? $"secrets/{secret.Name}/{secret.Version}" : $"secrets/{secret.Name}").ToString(),
            ["attributes"] = attributes,
        };
        if (secret.Tags.Count > 0)
        {
            json["tags"] = new JsonObject([.. secret.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))]);
        }
        if (secret.ContentType is not null)
        {
            json["contentType"] = secret.ContentType;
        }
        if (secret.Managed)
        {
            json["managed"] = true;
        }
        return json;
    }

    private static Task NotFoundAsync(HttpContext context, string name) =>
        WriteErrorAsync(context, 404, "SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.");

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message) =>
        WriteJsonAsync(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    // Key Vault's api-versions: 7.x (with -preview suffixes) and the dated ones newer clients send (2025-07-01).
    [GeneratedRegex(@"^(7\.\d+|\d{4}-\d{2}-\d{2})(-preview(\.\d+)?)?$")]
    private static partial Regex ApiVersionPattern();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
        Certificate.Dispose();
    }
}
