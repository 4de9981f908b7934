using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Blueshift.Functions.Hosting;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Health;

/// <summary>
/// Storage is reachable when an authenticated "list tables" request to the <c>AzureWebJobsStorage</c> account
/// succeeds: it proves the endpoint answers and the key is accepted, and changes nothing.
/// </summary>
internal sealed class StorageReadinessCheck(
    IConfiguration configuration,
    IHttpClientFactory httpClientFactory,
    IOptions<HealthOptions> options,
    TimeProvider timeProvider,
    ILogger<StorageReadinessCheck> logger) : IReadinessCheck
{
    public const string HttpClientName = "Blueshift.Health.Storage";

    public string Name => "storage";

    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        var connectionString = configuration[AppSettings.AzureWebJobsStorage];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return new ReadinessResult(false, $"{AppSettings.AzureWebJobsStorage} is not set.");
        }
        if (!StorageAccount.TryParse(connectionString, out var account, out var problem))
        {
            return new ReadinessResult(false, $"{AppSettings.AzureWebJobsStorage} is not a usable connection string: {problem}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.StorageTimeout);
        try
        {
            using var request = account.CreateListTablesRequest(timeProvider.GetUtcNow());
            using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return new ReadinessResult(true, $"Table service at {account.TableEndpoint.Authority} answered {(int)response.StatusCode}.");
            }
            Log.StorageRefused(logger, account.TableEndpoint.Authority, (int)response.StatusCode);
            return new ReadinessResult(false, $"Table service at {account.TableEndpoint.Authority} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StorageUnreachable(logger, account.TableEndpoint.Authority, "timed out");
            return new ReadinessResult(false, $"Table service at {account.TableEndpoint.Authority} did not answer within {options.Value.StorageTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            Log.StorageUnreachable(logger, account.TableEndpoint.Authority, ex.Message);
            return new ReadinessResult(false, $"Table service at {account.TableEndpoint.Authority} is unreachable ({ex.HttpRequestError}).");
        }
    }

    /// <summary>The parts of a storage connection string the readiness check needs. The key never leaves this type.</summary>
    internal sealed class StorageAccount
    {
        private const string DevelopmentAccount = "devstoreaccount1";

        // Azurite's well-known development key: public and documented by Microsoft, not a secret.
        private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        private readonly byte[] _key;

        private StorageAccount(string name, byte[] key, Uri tableEndpoint)
        {
            Name = name;
            _key = key;
            TableEndpoint = tableEndpoint;
        }

        public string Name { get; }

        public Uri TableEndpoint { get; }

        public static bool TryParse(string connectionString, out StorageAccount account, out string problem)
        {
            account = null!;
            var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => p.Split('=', 2))
                .Where(p => p.Length == 2)
                .GroupBy(p => p[0], StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.OrdinalIgnoreCase);
            if (parts.TryGetValue("UseDevelopmentStorage", out var development) && string.Equals(development, "true", StringComparison.OrdinalIgnoreCase))
            {
                account = new StorageAccount(DevelopmentAccount, Convert.FromBase64String(DevelopmentKey), new Uri($"http://127.0.0.1:10002/{DevelopmentAccount}"));
                problem = "";
                return true;
            }
            if (!parts.TryGetValue("AccountName", out var name) || string.IsNullOrEmpty(name))
            {
                problem = "it has no AccountName (identity-based connections are not supported by the readiness check yet).";
                return false;
            }
            if (!parts.TryGetValue("AccountKey", out var key) || !TryBase64(key, out var keyBytes))
            {
                problem = "it has no valid AccountKey.";
                return false;
            }
            Uri? endpoint;
            if (parts.TryGetValue("TableEndpoint", out var explicitEndpoint))
            {
                if (!Uri.TryCreate(explicitEndpoint, UriKind.Absolute, out endpoint))
                {
                    problem = "its TableEndpoint is not an absolute URI.";
                    return false;
                }
            }
            else
            {
                var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
                var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
                endpoint = new Uri($"{protocol}://{name}.table.{suffix}");
            }
            account = new StorageAccount(name, keyBytes, endpoint);
            problem = "";
            return true;
        }

        /// <summary>GET /Tables?$top=1 signed with SharedKeyLite, the Table service's key scheme.</summary>
        public HttpRequestMessage CreateListTablesRequest(DateTimeOffset now)
        {
            var uri = new Uri(TableEndpoint.AbsoluteUri.TrimEnd('/') + "/Tables?$top=1");
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            var date = now.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);
            request.Headers.Add("x-ms-date", date);
            request.Headers.Add("x-ms-version", "2019-02-02");
            request.Headers.Add("DataServiceVersion", "3.0");
            request.Headers.TryAddWithoutValidation("Accept", "application/json;odata=nometadata");
            var stringToSign = date + "\n/" + Name + uri.AbsolutePath;
            var signature = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
            request.Headers.Authorization = new AuthenticationHeaderValue("SharedKeyLite", Name + ":" + signature);
            return request;
        }

        private static bool TryBase64(string value, out byte[] bytes)
        {
            bytes = new byte[value.Length];
            if (Convert.TryFromBase64String(value, bytes, out var written) && written > 0)
            {
                bytes = bytes[..written];
                return true;
            }
            return false;
        }
    }
}
