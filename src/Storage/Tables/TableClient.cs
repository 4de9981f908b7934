using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Blueshift.Storage.Authentication;

namespace Blueshift.Storage.Tables;

/// <summary>
/// A client for one table of the Azure Table service (or Azurite), shaped like Azure.Data.Tables' <c>TableClient</c>.
/// Unexpected responses throw <see cref="RequestFailedException"/> with the HTTP status and the service error code,
/// so callers filter with <c>catch (RequestFailedException ex) when (ex.Status == 412)</c>.
/// Thread-safe; create one per table and reuse it.
/// </summary>
public sealed partial class TableClient
{
    private const string ServiceVersion = "2019-02-02";
    private const string MinimalMetadata = "application/json;odata=minimalmetadata";
    private const string NoMetadata = "application/json;odata=nometadata";

    private readonly HttpPipeline _pipeline;
    private readonly Uri _serviceEndpoint;

    /// <summary>Creates a client that signs requests with the account key from a storage connection string.</summary>
    /// <exception cref="FormatException">The connection string is invalid.</exception>
    /// <exception cref="ArgumentException">The table name is invalid.</exception>
    public TableClient(string connectionString, string tableName, TableClientOptions? options = null)
        : this(StorageConnectionString.Parse(connectionString), tableName, options ?? new TableClientOptions())
    {
    }

    /// <summary>Creates a client that signs requests with an account name and key.</summary>
    public TableClient(Uri tableServiceEndpoint, string tableName, StorageSharedKeyCredential credential, TableClientOptions? options = null)
        : this(tableServiceEndpoint, tableName, SharedKey(credential, options ??= new TableClientOptions()), options)
    {
    }

    /// <summary>
    /// Creates a client that authenticates with Entra ID bearer tokens for <c>https://storage.azure.com/.default</c>
    /// (for example a managed identity); the endpoint must be https.
    /// </summary>
    public TableClient(Uri tableServiceEndpoint, string tableName, TokenCredential credential, TableClientOptions? options = null)
        : this(tableServiceEndpoint, tableName, StorageAuthentication.Bearer(credential), options ?? new TableClientOptions())
    {
    }

    private TableClient(StorageConnectionString connectionString, string tableName, TableClientOptions options)
        : this(connectionString.TableEndpoint, tableName, SharedKey(connectionString.Credential, options), options)
    {
    }

    private TableClient(Uri tableServiceEndpoint, string tableName, HttpPipelinePolicy authentication, TableClientOptions options)
    {
        if (tableName is null || !TableNamePattern().IsMatch(tableName))
        {
            throw new ArgumentException("A table name has 3 to 63 letters and digits and starts with a letter.", nameof(tableName));
        }
        _serviceEndpoint = StorageAuthentication.NormalizeEndpoint(tableServiceEndpoint, nameof(tableServiceEndpoint));
        Name = tableName;
        _pipeline = HttpPipelineBuilder.Build(options, authentication);
    }

    /// <summary>The table name.</summary>
    public string Name { get; }

    /// <summary>Builds an OData filter, formatting each interpolated value as a literal of its type.</summary>
    /// <remarks>
    /// Strings are quoted with embedded quotes doubled, <see cref="long"/> gets the <c>L</c> suffix, dates become
    /// <c>datetime'…'</c> in UTC, GUIDs <c>guid'…'</c>, byte arrays <c>X'…'</c>; other types are rejected.
    /// Example: <c>TableClient.CreateQueryFilter($"PartitionKey eq {app} and Timestamp ge {since}")</c>.
    /// </remarks>
    /// <exception cref="ArgumentException">An argument has an unsupported type.</exception>
    public static string CreateQueryFilter(FormattableString filter) => TableQueryFilter.Create(filter);

    /// <summary>Creates the table unless it exists.</summary>
    /// <returns>True when this call created the table, false when it already existed.</returns>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Post, NoMetadata);
        message.Request.Uri.AppendPath("/Tables", escape: false);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message.Request, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = Name }));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            201 or 204 => true,
            409 => false,
            _ => throw StorageErrors.Create(message.Response, $"Creating table '{Name}'"),
        };
    }

    /// <summary>Deletes the table and all its entities.</summary>
    /// <returns>True when the table existed and was deleted, false when it did not exist.</returns>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, NoMetadata);
        message.Request.Uri.AppendPath($"/Tables('{Name}')", escape: false);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            204 => true,
            404 => false,
            _ => throw StorageErrors.Create(message.Response, $"Deleting table '{Name}'"),
        };
    }

    /// <summary>Reads one entity.</summary>
    /// <exception cref="RequestFailedException">Status 404 when the entity (or table) does not exist.</exception>
    public async Task<Response<TableEntity>> GetEntityAsync(string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        using var message = CreateGetEntityMessage(partitionKey, rowKey);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            200 => Response.FromValue(ReadEntity(message.Response), message.Response),
            _ => throw StorageErrors.Create(message.Response, $"Reading entity from table '{Name}'"),
        };
    }

    /// <summary>Reads one entity, or returns null when it does not exist.</summary>
    /// <exception cref="RequestFailedException">Any failure other than the entity being absent (a missing table is a 404 failure).</exception>
    public async Task<TableEntity?> GetEntityIfExistsAsync(string partitionKey, string rowKey, CancellationToken cancellationToken = default)
    {
        using var message = CreateGetEntityMessage(partitionKey, rowKey);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status == 404 && ErrorCode(response) is null or "ResourceNotFound" or "EntityNotFound")
        {
            return null;
        }
        return response.Status switch
        {
            200 => ReadEntity(response),
            _ => throw StorageErrors.Create(response, $"Reading entity from table '{Name}'"),
        };
    }

    /// <summary>Inserts a new entity; on success <paramref name="entity"/>'s <see cref="TableEntity.ETag"/> is the new version.</summary>
    /// <returns>The new ETag.</returns>
    /// <exception cref="RequestFailedException">Status 409 when an entity with the same keys exists.</exception>
    public async Task<Response<ETag>> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var message = CreateMessage(RequestMethod.Post, NoMetadata);
        message.Request.Uri.AppendPath("/", escape: false);
        message.Request.Uri.AppendPath(Name, escape: true);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message.Request, TableEntityJson.Serialize(entity));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            201 or 204 => NewETag(entity, message.Response),
            _ => throw StorageErrors.Create(message.Response, $"Adding entity to table '{Name}'"),
        };
    }

    /// <summary>
    /// Updates an existing entity if its stored version matches <paramref name="ifMatch"/>; pass <see cref="ETag.All"/>
    /// to update whatever version is stored. On success <paramref name="entity"/>'s ETag is the new version.
    /// </summary>
    /// <returns>The new ETag.</returns>
    /// <exception cref="ArgumentException"><paramref name="ifMatch"/> is the default (empty) ETag.</exception>
    /// <exception cref="RequestFailedException">Status 412 when the stored version differs; 404 when the entity does not exist.</exception>
    public Task<Response<ETag>> UpdateEntityAsync(TableEntity entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("An update needs the entity's ETag, or ETag.All to update unconditionally.", nameof(ifMatch));
        }
        return WriteEntityAsync(entity, ifMatch, mode, $"Updating entity in table '{Name}'", cancellationToken);
    }

    /// <summary>Inserts the entity, or merges it into / replaces the stored one, regardless of version.</summary>
    /// <returns>The new ETag, also set on <paramref name="entity"/>.</returns>
    public Task<Response<ETag>> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
        WriteEntityAsync(entity, null, mode, $"Upserting entity in table '{Name}'", cancellationToken);

    /// <summary>
    /// Deletes an entity if its stored version matches <paramref name="ifMatch"/> (the default deletes any version).
    /// Deleting an entity that does not exist succeeds with status 404, so a retried delete is harmless.
    /// </summary>
    /// <exception cref="RequestFailedException">Status 412 when the stored version differs.</exception>
    public async Task<Response> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, NoMetadata);
        AppendEntityPath(message.Request, partitionKey, rowKey);
        message.Request.Headers.SetValue(HttpHeader.Names.IfMatch, ifMatch == default ? "*" : ifMatch.ToString("H"));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            204 or 404 => message.Response,
            _ => throw StorageErrors.Create(message.Response, $"Deleting entity from table '{Name}'"),
        };
    }

    /// <summary>
    /// Queries entities in (partition key, row key) order, following the service's continuation tokens page by page.
    /// </summary>
    /// <param name="filter">An OData filter, best built with <see cref="CreateQueryFilter"/>; null returns every entity.</param>
    /// <param name="maxPerPage">At most this many entities per page (the service caps a page at 1,000).</param>
    /// <param name="select">Only these properties (keys and system properties still come back when listed).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public AsyncPageable<TableEntity> QueryAsync(string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        if (maxPerPage is <= 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPerPage), maxPerPage, "A page holds 1 to 1,000 entities.");
        }
        return new EntityPageable(this, filter, maxPerPage, select is null ? null : string.Join(',', select), cancellationToken);
    }

    private async Task<Response<ETag>> WriteEntityAsync(TableEntity entity, ETag? ifMatch, TableUpdateMode mode, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var method = mode switch
        {
            TableUpdateMode.Merge => RequestMethod.Patch,
            TableUpdateMode.Replace => RequestMethod.Put,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown update mode."),
        };
        using var message = CreateMessage(method, NoMetadata);
        AppendEntityPath(message.Request, entity.PartitionKey, entity.RowKey);
        if (ifMatch is { } etag)
        {
            message.Request.Headers.SetValue(HttpHeader.Names.IfMatch, etag.ToString("H"));
        }
        SetJsonContent(message.Request, TableEntityJson.Serialize(entity));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            204 => NewETag(entity, message.Response),
            _ => throw StorageErrors.Create(message.Response, operation),
        };
    }

    private async Task<Page<TableEntity>> QueryPageAsync(string? filter, int? top, string? select, string? continuation, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(RequestMethod.Get, MinimalMetadata);
        var uri = message.Request.Uri;
        uri.AppendPath("/", escape: false);
        uri.AppendPath(Name + "()", escape: true);
        if (filter is not null)
        {
            uri.AppendQuery("$filter", filter, escapeValue: true);
        }
        if (top is not null)
        {
            uri.AppendQuery("$top", top.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), escapeValue: false);
        }
        if (select is not null)
        {
            uri.AppendQuery("$select", select, escapeValue: true);
        }
        if (continuation is not null)
        {
            var (nextPartitionKey, nextRowKey) = ParseContinuation(continuation);
            uri.AppendQuery("NextPartitionKey", nextPartitionKey, escapeValue: true);
            if (nextRowKey is not null)
            {
                uri.AppendQuery("NextRowKey", nextRowKey, escapeValue: true);
            }
        }

        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw StorageErrors.Create(response, $"Querying table '{Name}'");
        }

        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var entities = json.RootElement.GetProperty("value").EnumerateArray().Select(e => TableEntityJson.Deserialize(e)).ToList();
        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPartition);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRow);
        return Page<TableEntity>.FromValues(entities, FormatContinuation(nextPartition, nextRow), response);
    }

    // The continuation values are opaque service tokens without spaces, so one space joins them into a single page token.
    private static string? FormatContinuation(string? nextPartitionKey, string? nextRowKey) =>
        string.IsNullOrEmpty(nextPartitionKey) ? null : string.IsNullOrEmpty(nextRowKey) ? nextPartitionKey : nextPartitionKey + " " + nextRowKey;

    private static (string PartitionKey, string? RowKey) ParseContinuation(string token)
    {
        var space = token.IndexOf(' ');
        return space < 0 ? (token, null) : (token[..space], token[(space + 1)..]);
    }

    private HttpMessage CreateGetEntityMessage(string partitionKey, string rowKey)
    {
        var message = CreateMessage(RequestMethod.Get, MinimalMetadata);
        AppendEntityPath(message.Request, partitionKey, rowKey);
        return message;
    }

    private HttpMessage CreateMessage(RequestMethod method, string accept)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(_serviceEndpoint);
        request.Headers.SetValue("x-ms-version", ServiceVersion);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue(HttpHeader.Names.Accept, accept);
        return message;
    }

    private void AppendEntityPath(Request request, string partitionKey, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(rowKey);
        request.Uri.AppendPath("/", escape: false);
        request.Uri.AppendPath(Name, escape: true);
        request.Uri.AppendPath(
            $"(PartitionKey={Uri.EscapeDataString(TableQueryFilter.Quote(partitionKey))},RowKey={Uri.EscapeDataString(TableQueryFilter.Quote(rowKey))})",
            escape: false);
    }

    private static void SetJsonContent(Request request, byte[] json)
    {
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        request.Content = RequestContent.Create(json);
    }

    private static TableEntity ReadEntity(Response response)
    {
        using var json = JsonDocument.Parse(response.Content.ToMemory());
        return TableEntityJson.Deserialize(json.RootElement, response.Headers.ETag);
    }

    private static Response<ETag> NewETag(TableEntity entity, Response response)
    {
        var etag = response.Headers.ETag ?? throw new RequestFailedException(response.Status, "The table service answered a write without an ETag.", null, null);
        entity.ETag = etag;
        return Response.FromValue(etag, response);
    }

    private static string? ErrorCode(Response response)
    {
        if (response.Headers.TryGetValue("x-ms-error-code", out var code))
        {
            return code;
        }
        return StorageErrors.Create(response, string.Empty).ErrorCode;
    }

    private static HttpPipelinePolicy SharedKey(StorageSharedKeyCredential credential, TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new TableSharedKeyLitePolicy(credential, options.TimeProvider);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableNamePattern();

    private sealed class EntityPageable(TableClient client, string? filter, int? maxPerPage, string? select, CancellationToken cancellationToken)
        : AsyncPageable<TableEntity>(cancellationToken)
    {
        public override async IAsyncEnumerable<Page<TableEntity>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            var continuation = continuationToken;
            do
            {
                var page = await client.QueryPageAsync(filter, pageSizeHint ?? maxPerPage, select, continuation, CancellationToken).ConfigureAwait(false);
                yield return page;
                continuation = page.ContinuationToken;
            }
            while (continuation is not null);
        }
    }
}
