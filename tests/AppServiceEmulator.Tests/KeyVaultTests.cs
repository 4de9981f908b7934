using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>The real Azure.Security.KeyVault.Secrets SecretClient against the emulator's Key Vault stand-in.</summary>
public sealed class KeyVaultTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _clock = new(Now);
    private AppServiceEmulatorServer _emulator = null!;
    private ArmTestClient _control = null!;

    private KeyVaultEmulator Vault => _emulator.KeyVault!;

    public async Task InitializeAsync()
    {
        _emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { TimeProvider = _clock, SimulateLatency = false, KeyVault = true });
        _control = new ArmTestClient(_emulator);
    }

    public async Task DisposeAsync()
    {
        _control.Dispose();
        await _emulator.DisposeAsync();
    }

    /// <summary>Hands out one fixed token.</summary>
    internal sealed class FixedCredential(string token) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(token, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>Hands out one fixed token and records what the SDK asked for.</summary>
    private sealed class RecordingCredential(string token) : TokenCredential
    {
        public List<TokenRequestContext> Requests { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(requestContext);
            }
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>Trusts exactly the given certificate, by SHA-256 thumbprint, and nothing else.</summary>
    internal static HttpClientHandler TrustOnly(X509Certificate2 certificate)
    {
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                presented is not null && string.Equals(presented.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase),
        };
    }

    internal static SecretClient Client(Uri vaultUri, X509Certificate2 certificate, TokenCredential credential)
    {
        var options = new SecretClientOptions
        {
            DisableChallengeResourceVerification = true,
            Transport = new HttpClientTransport(TrustOnly(certificate)),
            Retry = { Mode = RetryMode.Fixed, Delay = TimeSpan.FromMilliseconds(10), MaxRetries = 3 },
        };
        return new SecretClient(vaultUri, credential, options);
    }

    private SecretClient Client(TokenCredential? credential = null) =>
        Client(Vault.VaultUri, Vault.Certificate, credential ?? new RecordingCredential(KeyVaultEmulator.DevelopmentToken));

    private static async Task<List<T>> AllAsync<T>(AsyncPageable<T> pageable) where T : notnull
    {
        var items = new List<T>();
        await foreach (var item in pageable)
        {
            items.Add(item);
        }
        return items;
    }

    [Fact]
    public async Task GetPropertiesOfSecrets_SeededSecrets_ListsExactDatesAndTagsAcrossPages()
    {
        for (var i = 0; i < 30; i++)
        {
            Vault.SetSecret($"filler-{i:00}", new VaultSecretSpec($"value-{i}"));
        }
        var created = Now.AddDays(-200);
        var expires = Now.AddDays(10);
        var seeded = Vault.SetSecret("db-password", new VaultSecretSpec("s3cret", "text/plain",
            new Dictionary<string, string> { ["kind"] = "database-credential", ["owner"] = "payments" }, Created: created, Updated: created.AddHours(1), Expires: expires));
        var credential = new RecordingCredential(KeyVaultEmulator.DevelopmentToken);
        var client = Client(credential);

        var pages = new List<int>();
        var listed = new List<SecretProperties>();
        await foreach (var page in client.GetPropertiesOfSecretsAsync().AsPages())
        {
            pages.Add(page.Values.Count);
            listed.AddRange(page.Values);
        }

        Assert.Equal([25, 6], pages);
        Assert.Equal(["db-password", .. Enumerable.Range(0, 30).Select(i => $"filler-{i:00}")], listed.Select(s => s.Name));
        var db = listed[0];
        Assert.Equal(created, db.CreatedOn);
        Assert.Equal(created.AddHours(1), db.UpdatedOn);
        Assert.Equal(expires, db.ExpiresOn);
        Assert.Null(db.NotBefore);
        Assert.True(db.Enabled);
        Assert.Equal("text/plain", db.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["kind"] = "database-credential", ["owner"] = "payments" }, db.Tags);
        Assert.Equal("Recoverable+Purgeable", db.RecoveryLevel);
        Assert.Equal(Vault.VaultUri, db.VaultUri);
        Assert.Equal(new Uri(Vault.VaultUri, "secrets/db-password"), db.Id);
        Assert.False(db.Managed);
        Assert.Equal(Now, listed[1].CreatedOn);
        Assert.Empty(listed[1].Tags);
        Assert.Null(listed[1].ExpiresOn);
        Assert.Equal(seeded.Created, db.CreatedOn);
        // The challenge made the SDK ask for the vault resource's scope in the challenge's tenant.
        var asked = Assert.Single(credential.Requests.DistinctBy(r => (string.Join(' ', r.Scopes), r.TenantId)));
        Assert.Equal(["https://vault.azure.net/.default"], asked.Scopes);
        Assert.Equal(KeyVaultEmulator.Tenant, asked.TenantId);
        // One unauthenticated probe (401 challenge), then two authenticated pages following nextLink.
        var requests = Vault.Requests();
        Assert.Equal([(false, 401), (true, 200), (true, 200)], requests.Select(r => (r.Authenticated, r.Status)));
        Assert.All(requests, r => Assert.Equal("/secrets", r.Path));
        // Azure.Security.KeyVault.Secrets 4.12.0 sends the dated api-version; the nextLink carries it on.
        Assert.All(requests, r => Assert.Equal("2026-04-01", r.ApiVersion));
    }

    [Fact]
    public async Task GetPropertiesOfSecretVersions_ManyVersions_ListsEveryVersionWithItsDates()
    {
        var versions = Enumerable.Range(0, 27)
            .Select(i => Vault.SetSecret("api-key", new VaultSecretSpec($"key-{i}", Tags: new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                Created: Now.AddDays(-400 + i)))).ToList();
        Vault.SetSecret("other", new VaultSecretSpec("x"));

        var listed = await AllAsync(Client().GetPropertiesOfSecretVersionsAsync("api-key"));

        Assert.Equal(versions.Select(v => v.Version), listed.Select(p => p.Version));
        Assert.Equal(versions.Select(v => v.Created), listed.Select(p => p.CreatedOn!.Value));
        Assert.All(listed, p => Assert.Equal("api-key", p.Name));
        Assert.Equal("26", listed[^1].Tags["n"]);
        Assert.Equal(2, Vault.Requests().Count(r => r.Authenticated && r.Path == "/secrets/api-key/versions"));
    }

    [Fact]
    public async Task GetSecret_CurrentAndOlderVersion_ReturnTheirValues()
    {
        var first = Vault.SetSecret("conn", new VaultSecretSpec("old-value", Created: Now.AddDays(-100)));
        var second = Vault.SetSecret("conn", new VaultSecretSpec("new-value", "text/plain"));
        var client = Client();

        KeyVaultSecret current = await client.GetSecretAsync("conn");
        KeyVaultSecret older = await client.GetSecretAsync("conn", first.Version);

        Assert.Equal("new-value", current.Value);
        Assert.Equal(second.Version, current.Properties.Version);
        Assert.Equal("text/plain", current.Properties.ContentType);
        Assert.Equal("old-value", older.Value);
        Assert.Equal(Now.AddDays(-100), older.Properties.CreatedOn);
    }

    [Fact]
    public async Task GetSecret_Unknown_Is404SecretNotFound()
    {
        Vault.SetSecret("conn", new VaultSecretSpec("v"));
        var client = Client();

        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSecretAsync("missing"));
        var missingVersion = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSecretAsync("conn", "0123456789abcdef0123456789abcdef"));
        var missingVersions = await Assert.ThrowsAsync<RequestFailedException>(() => AllAsync(client.GetPropertiesOfSecretVersionsAsync("missing")));

        Assert.Equal(404, missing.Status);
        Assert.Equal("SecretNotFound", missing.ErrorCode);
        Assert.Equal(404, missingVersion.Status);
        Assert.Equal(404, missingVersions.Status);
    }

    [Fact]
    public async Task Request_WithoutToken_Gets401WithTheKeyVaultChallenge()
    {
        using var http = new HttpClient(TrustOnly(Vault.Certificate)) { BaseAddress = Vault.VaultUri };

        using var response = await http.GetAsync("secrets?api-version=7.6");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"",
            Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal("Unauthorized", body!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Request_WrongToken_IsRefusedWith401()
    {
        Vault.SetSecret("conn", new VaultSecretSpec("v"));
        using var http = new HttpClient(TrustOnly(Vault.Certificate)) { BaseAddress = Vault.VaultUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "secrets/conn?api-version=7.6");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "someone-elses-token");

        using var response = await http.SendAsync(request);
        var sdk = await Assert.ThrowsAsync<RequestFailedException>(() => AllAsync(Client(new RecordingCredential("someone-elses-token")).GetPropertiesOfSecretsAsync()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("\"value\"", await response.Content.ReadAsStringAsync());
        Assert.Equal(401, sdk.Status);
        Assert.DoesNotContain(Vault.Requests(), r => r.Status == 200);
    }

    [Fact]
    public async Task Request_ClientTrustingAnotherCertificate_FailsTls()
    {
        using var other = EmulatorCertificate.Create();
        using var http = new HttpClient(TrustOnly(other)) { BaseAddress = Vault.VaultUri };

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("secrets?api-version=7.6"));
        Assert.Equal("https", Vault.VaultUri.Scheme);
        Assert.Equal("127.0.0.1", Vault.VaultUri.Host);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task Fault_NextTwoRequests_AreRetriedBySdkWhichSucceeds(int status)
    {
        Vault.SetSecret("conn", new VaultSecretSpec("v", Created: Now.AddDays(-3)));
        var client = Client();
        await AllAsync(client.GetPropertiesOfSecretsAsync()); // settles the challenge first
        Vault.ClearRequests();
        Vault.AddFault(status, 2, TimeSpan.Zero);

        var listed = await AllAsync(client.GetPropertiesOfSecretsAsync());

        Assert.Equal(Now.AddDays(-3), Assert.Single(listed).CreatedOn);
        Assert.Equal([status, status, 200], Vault.Requests().Select(r => r.Status));
        Assert.Empty(Vault.PendingFaults());
    }

    [Fact]
    public async Task Fault_MoreThanTheSdkRetries_SurfacesTheStatus()
    {
        Vault.SetSecret("conn", new VaultSecretSpec("v"));
        var client = Client();
        await AllAsync(client.GetPropertiesOfSecretsAsync());
        Vault.AddFault(429, 10, TimeSpan.Zero);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => AllAsync(client.GetPropertiesOfSecretsAsync()));

        Assert.Equal(429, error.Status);
        Assert.Equal("Throttled", error.ErrorCode);
        Assert.Equal(6, Assert.Single(Vault.PendingFaults()).Remaining); // one try and three retries
    }

    [Fact]
    public async Task ControlApi_SeedUpdateDelete_IsWhatTheSdkReads()
    {
        var created = Now.AddDays(-200);
        using var put = await _control.Http.PutAsJsonAsync("/_emulator/vault/secrets/sql-admin",
            new { value = "p@ss", contentType = "password", tags = new { kind = "database-credential" }, created, updated = created, expires = Now.AddDays(5) });
        using var patch = await _control.Http.PatchAsJsonAsync("/_emulator/vault/secrets/sql-admin", new { tags = new { kind = "api-key" }, updated = Now.AddDays(-1) });
        var client = Client();

        var properties = Assert.Single(await AllAsync(client.GetPropertiesOfSecretsAsync()));
        var seeded = await _control.Http.GetFromJsonAsync<JsonArray>("/_emulator/vault/secrets");
        using var deleted = await _control.Http.DeleteAsync("/_emulator/vault/secrets/sql-admin");
        var gone = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSecretAsync("sql-admin"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal(created, properties.CreatedOn);
        Assert.Equal(Now.AddDays(-1), properties.UpdatedOn);
        Assert.Equal(Now.AddDays(5), properties.ExpiresOn);
        Assert.Equal("password", properties.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["kind"] = "api-key" }, properties.Tags);
        Assert.Null(Assert.Single(seeded!)!["value"]);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(404, gone.Status);
    }

    [Theory]
    [InlineData("/_emulator/vault/secrets/bad_name", """{"value":"v"}""")]
    [InlineData("/_emulator/vault/secrets/ok", """{"contentType":"no value"}""")]
    [InlineData("/_emulator/vault/secrets/ok", """{"value":"v","created":"2026-01-02T00:00:00Z","updated":"2026-01-01T00:00:00Z"}""")]
    public async Task ControlApi_BadSecret_AnswersProblemDetailsAndChangesNothing(string path, string json)
    {
        using var response = await _control.Http.PutAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Vault.CurrentSecrets());
    }

    [Theory]
    [InlineData("""{"statusCode":500}""")]
    [InlineData("""{"statusCode":429,"count":0}""")]
    [InlineData("""{"statusCode":429,"retryAfterSeconds":-1}""")]
    public async Task ControlApi_BadFault_AnswersProblemDetails(string json)
    {
        using var response = await _control.Http.PostAsync("/_emulator/vault/faults", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(Vault.PendingFaults());
    }

    [Fact]
    public async Task ControlApi_Fault_ThrottlesWithRetryAfter()
    {
        Vault.SetSecret("conn", new VaultSecretSpec("v"));
        using var added = await _control.Http.PostAsJsonAsync("/_emulator/vault/faults", new { statusCode = 429, count = 1, retryAfterSeconds = 7 });
        using var http = new HttpClient(TrustOnly(Vault.Certificate)) { BaseAddress = Vault.VaultUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "secrets?api-version=7.6");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KeyVaultEmulator.DevelopmentToken);

        using var throttled = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.Headers.RetryAfter?.Delta);
        Assert.Empty(Vault.PendingFaults());
    }

    [Fact]
    public async Task ControlApi_WithoutTheStandIn_Is404()
    {
        await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { SimulateLatency = false });
        using var control = new ArmTestClient(emulator);

        using var response = await control.Http.GetAsync("/_emulator/vault");

        Assert.Null(emulator.KeyVault);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
