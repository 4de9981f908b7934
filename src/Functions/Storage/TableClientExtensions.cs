using Azure;
using Azure.Data.Tables;

namespace Blueshift.Functions.Storage;

/// <summary>Small conveniences over <see cref="TableClient"/> that every table-backed store here needs.</summary>
public static class TableClientExtensions
{
    /// <summary>Reads one entity, or null when it (or its table) does not exist.</summary>
    public static async Task<TableEntity?> GetEntityOrNullAsync(this TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Inserts the entity and sets its <see cref="TableEntity.ETag"/> to the stored version.
    /// </summary>
    /// <exception cref="RequestFailedException">Status 409 when an entity with the same keys exists.</exception>
    public static async Task<ETag> AddEntityWithETagAsync(this TableClient table, TableEntity entity, CancellationToken cancellationToken = default)
    {
        var response = await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        return entity.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>
    /// Updates the entity if the stored version matches <paramref name="ifMatch"/> and sets its <see cref="TableEntity.ETag"/>
    /// to the new version.
    /// </summary>
    /// <exception cref="RequestFailedException">Status 412 when the stored version differs; 404 when the entity does not exist.</exception>
    public static async Task<ETag> UpdateEntityWithETagAsync(this TableClient table, TableEntity entity, ETag ifMatch, TableUpdateMode mode, CancellationToken cancellationToken = default)
    {
        var response = await table.UpdateEntityAsync(entity, ifMatch, mode, cancellationToken).ConfigureAwait(false);
        return entity.ETag = response.Headers.ETag ?? default;
    }
}
