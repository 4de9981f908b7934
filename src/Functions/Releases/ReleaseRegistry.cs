using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Storage;

namespace Blueshift.Functions.Releases;

/// <summary>
/// What the release orchestrations cannot hold themselves, on Table storage, in one table keyed by purpose:
/// <c>lock/{app}</c> (the one active release of an app, taken atomically by inserting the row),
/// <c>idem/{hash}</c> (Idempotency-Key → release) and <c>index/{app}|{id}</c> (listing by app and status, newest first).
/// Everything else about a release lives in its orchestration (input, published status, output).
/// </summary>
internal sealed class ReleaseRegistry(TableClient table)
{
    private const string LockPartition = "lock";
    private const string IdempotencyPartition = "idem";
    private const string IndexPartition = "index";

    /// <summary>Ends an app's name in an index row key; app names hold lowercase letters, digits and hyphens only.</summary>
    private const char IndexSeparator = '|';

    /// <summary>Just after <see cref="IndexSeparator"/>: an app's index entries sort below its name followed by this.</summary>
    private const char IndexSeparatorEnd = '}';

    // Every app's lock and every release's index entry share a partition each: concurrent writers share transactions.
    private readonly TableGroupCommit _sharedPartitionWrites = new(table);
    private volatile bool _ready;

    /// <summary>Creates the table on first use; repeated and concurrent calls are harmless.</summary>
    private async ValueTask ReadyAsync(CancellationToken cancellationToken)
    {
        if (!_ready)
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            _ready = true;
        }
    }

    /// <summary>Takes the app's lock for <paramref name="releaseId"/>, or names the holder when someone else holds it.</summary>
    public async Task<string?> TryLockAsync(string app, string releaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        try
        {
            await table.AddEntityAsync(new TableEntity(LockPartition, app) { ["ReleaseId"] = releaseId, ["LockedAt"] = now }, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var holder = await table.GetEntityOrNullAsync(LockPartition, app, cancellationToken);
            // Gone meanwhile: report an empty holder, and the caller reads again.
            return holder?.GetString("ReleaseId") ?? "";
        }
    }

    public async Task<AppLock?> GetLockAsync(string app, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var entity = await table.GetEntityOrNullAsync(LockPartition, app, cancellationToken);
        return entity is null ? null : new AppLock(entity.GetString("ReleaseId") ?? "", entity.GetDateTimeOffset("LockedAt") ?? DateTimeOffset.MinValue, entity.ETag);
    }

    /// <summary>Removes a lock only if it is still the version read (someone may have taken it over since).</summary>
    public async Task<bool> BreakLockAsync(string app, ETag ifMatch, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        try
        {
            await _sharedPartitionWrites.SubmitAsync(
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(LockPartition, app), ifMatch), cancellationToken);
            return true;
        }
        catch (TableSubmissionFailedException ex) when (ex.Status == 404)
        {
            return true;
        }
        catch (TableSubmissionFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    /// <summary>Lets go of the app's lock if <paramref name="releaseId"/> holds it; harmless when repeated.</summary>
    public async Task UnlockAsync(string app, string releaseId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await GetLockAsync(app, cancellationToken) is not { } held || held.ReleaseId != releaseId || await BreakLockAsync(app, held.ETag, cancellationToken))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Takes the app's lock again for a release that has ended, to swap it back: only while it is the app's latest release
    /// and nobody holds the lock. True when this release holds it now (also when an earlier try already took it).
    /// </summary>
    public async Task<bool> ReclaimAsync(string app, string releaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if ((await ListIdsAsync(app, null, 1, cancellationToken)).FirstOrDefault() != releaseId)
        {
            return false;
        }
        var holder = await TryLockAsync(app, releaseId, now, cancellationToken);
        return holder is null || holder == releaseId;
    }

    /// <summary>Records an idempotency key; returns the existing record when the key was used before.</summary>
    public async Task<IdempotencyRecord?> TryAddIdempotencyKeyAsync(string callerId, string key, string bodyHash, string releaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var entity = new TableEntity(IdempotencyPartition, IdempotencyRowKey(callerId, key)) { ["BodyHash"] = bodyHash, ["ReleaseId"] = releaseId, ["At"] = now };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await table.GetEntityOrNullAsync(IdempotencyPartition, IdempotencyRowKey(callerId, key), cancellationToken);
            return existing is null
                ? null
                : new IdempotencyRecord(existing.GetString("BodyHash") ?? "", existing.GetString("ReleaseId") ?? "", existing.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue);
        }
    }

    public async Task RemoveIdempotencyKeyAsync(string callerId, string key, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        await table.DeleteEntityAsync(IdempotencyPartition, IdempotencyRowKey(callerId, key), cancellationToken: cancellationToken);
    }

    /// <summary>Writes a release's index entry (its status and creation time); repeatable.</summary>
    public async Task IndexAsync(string app, string releaseId, ReleaseStatus status, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        await _sharedPartitionWrites.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertMerge,
            new TableEntity(IndexPartition, app + IndexSeparator + releaseId) { ["Status"] = status.ToString(), ["CreatedAt"] = createdAt }), cancellationToken);
    }

    /// <summary>Changes the status of an indexed release, keeping its creation time.</summary>
    public async Task SetStatusAsync(string app, string releaseId, ReleaseStatus status, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        await _sharedPartitionWrites.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertMerge,
            new TableEntity(IndexPartition, app + IndexSeparator + releaseId) { ["Status"] = status.ToString() }), cancellationToken);
    }

    /// <summary>Index entries, newest first, of one app (or all apps) and optionally one status.</summary>
    public async Task<IReadOnlyList<string>> ListIdsAsync(string? app, string? status, int max, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var filter = app is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey gt {app + IndexSeparator} and RowKey lt {app + IndexSeparatorEnd}");
        if (status is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {status}");
        }
        var entries = new List<(string Id, DateTimeOffset CreatedAt)>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: ["RowKey", "CreatedAt"], cancellationToken: cancellationToken))
        {
            entries.Add((entity.RowKey[(entity.RowKey.IndexOf(IndexSeparator, StringComparison.Ordinal) + 1)..], entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue));
        }
        return [.. entries.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id, StringComparer.Ordinal).Take(max).Select(e => e.Id)];
    }

    // Keys are hashed: they come from callers and may hold characters a row key cannot.
    private static string IdempotencyRowKey(string callerId, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(callerId + "\n" + key)));
}

/// <summary>An app's lock: who holds it, since when, and the version read (for a conditional take-over).</summary>
internal readonly record struct AppLock(string ReleaseId, DateTimeOffset LockedAt, ETag ETag);

internal sealed record IdempotencyRecord(string BodyHash, string ReleaseId, DateTimeOffset At);
