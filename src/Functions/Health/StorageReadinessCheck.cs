using Azure;
using Azure.Data.Tables;
using Blueshift.Functions.Storage;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Health;

/// <summary>
/// Storage is ready when an authenticated read from the Table service of the <c>AzureWebJobsStorage</c> account
/// gets an answer from the service: it proves the endpoint answers and the key (or token) is accepted, and changes nothing.
/// A missing probe table (404) is still an authenticated answer.
/// </summary>
internal sealed class StorageReadinessCheck(IConfiguration configuration, IOptions<HealthOptions> options, ILogger<StorageReadinessCheck> logger) : IReadinessCheck
{
    private const string ProbeTable = "BlueshiftReadiness";

    public string Name => "storage";

    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        StorageConnection account;
        try
        {
            account = StorageConnection.FromConfiguration(configuration);
        }
        catch (StorageConfigurationException ex)
        {
            return new ReadinessResult(false, ex.Message);
        }

        var timeout = options.Value.StorageTimeout;
        var clientOptions = new TableClientOptions();
        // A probe reports what it sees now: retrying would only delay the answer past the caller's own timeout.
        clientOptions.Retry.MaxRetries = 0;
        clientOptions.Retry.NetworkTimeout = timeout;
        var table = account.CreateTableServiceClient(clientOptions).GetTableClient(ProbeTable);
        var authority = account.TableServiceUri.Authority;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await table.GetEntityIfExistsAsync<TableEntity>("readiness", "probe", cancellationToken: deadline.Token);
            return new ReadinessResult(true, $"Table service at {authority} answered.");
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new ReadinessResult(true, $"Table service at {authority} answered.");
        }
        catch (RequestFailedException ex) when (ex.Status != 0)
        {
            Log.StorageRefused(logger, authority, ex.Status);
            return new ReadinessResult(false, $"Table service at {authority} answered {ex.Status}{(ex.ErrorCode is null ? "" : " " + ex.ErrorCode)}.");
        }
        catch (RequestFailedException ex)
        {
            Log.StorageUnreachable(logger, authority, ex.InnerException?.Message ?? ex.Message);
            return new ReadinessResult(false, $"Table service at {authority} is unreachable.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StorageUnreachable(logger, authority, "timed out");
            return new ReadinessResult(false, $"Table service at {authority} did not answer within {timeout.TotalSeconds:0.#} s.");
        }
    }
}
