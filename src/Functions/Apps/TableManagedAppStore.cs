using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Blueshift.Functions.Storage;

namespace Blueshift.Functions.Apps;

/// <summary>
/// The managed-app registry on Table storage: one entity per app (partition <c>app</c>, row key = app name) carrying a
/// normalized <c>SiteKey</c> so an alert naming a slot, in any letter case, finds its app.
/// </summary>
/// <remarks>
/// Lookups by site scan the one small partition with a filter on <c>SiteKey</c>: the registry holds tens to hundreds of
/// apps, and a secondary index would need cross-entity consistency the Table service cannot give in one write.
/// </remarks>
public sealed class TableManagedAppStore(TableClient table) : IManagedAppStore
{
    private const string Partition = "app";
    private volatile bool _tableExists;

    public async Task<ManagedApp?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = await table.GetEntityOrNullAsync(Partition, name, cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    public async Task<ManagedApp?> FindByResourceIdAsync(string resourceId, CancellationToken cancellationToken)
    {
        if (ResourceIds.SiteKey(resourceId) is not { } siteKey)
        {
            return null;
        }
        await EnsureTableAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and SiteKey eq {siteKey}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            return FromEntity(entity);
        }
        return null;
    }

    public async Task<bool> PutAsync(ManagedApp app, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = ToEntity(app);
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            await table.UpsertEntityAsync(ToEntity(app), TableUpdateMode.Replace, cancellationToken);
            return false;
        }
    }

    public async IAsyncEnumerable<ManagedApp> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return FromEntity(entity);
        }
    }

    // Creating is idempotent, so racing first calls are harmless; a failure is retried by the next call.
    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (!_tableExists)
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            _tableExists = true;
        }
    }

    private static TableEntity ToEntity(ManagedApp app) => new(Partition, app.Name)
    {
        ["ResourceId"] = app.ResourceId,
        ["SiteKey"] = ResourceIds.SiteKey(app.ResourceId) ?? throw new ArgumentException($"'{app.ResourceId}' is not an App Service site id.", nameof(app)),
        ["StagingSlot"] = app.StagingSlot,
        ["HealthCheckPath"] = app.HealthCheckPath,
        ["SmokeTests"] = Json(app.SmokeTests),
        ["Policy"] = Json(app.Policy),
        ["Notifications"] = Json(app.Notifications),
        ["Compliance"] = Json(app.Compliance),
    };

    private static ManagedApp FromEntity(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("ResourceId") ?? string.Empty,
        entity.GetString("StagingSlot") ?? "staging",
        entity.GetString("HealthCheckPath") ?? "/health",
        FromJson<List<SmokeTest>>(entity.GetString("SmokeTests")),
        FromJson<AppPolicyOverrides>(entity.GetString("Policy")),
        FromJson<List<NotificationTarget>>(entity.GetString("Notifications")),
        FromJson<AppComplianceSettings>(entity.GetString("Compliance")));

    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web);

    private static string? Json<T>(T? value)
        where T : class =>
        value is null ? null : JsonSerializer.Serialize(value, StoredJson);

    private static T? FromJson<T>(string? json)
        where T : class =>
        json is null ? null : JsonSerializer.Deserialize<T>(json, StoredJson);
}
