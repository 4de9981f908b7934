using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Storage;

namespace Blueshift.Functions.Releases;

/// <summary>A release document, the version it was read at, and its content as stored (see <see cref="ReleaseStore.Content"/>).</summary>
internal sealed record StoredRelease(ReleaseState State, ETag ETag, byte[] Content);

/// <summary>Another writer changed the release first; the caller reloads and decides again.</summary>
internal sealed class ReleaseConcurrencyException(string releaseId)
    : Exception($"Release {releaseId} was changed by someone else; reload it and try again.");

/// <summary>
/// Release state on Table storage, in one table keyed by purpose:
/// <c>release-{id}/{id}</c> (the JSON document, gzipped and split across binary properties to respect the 64 KiB property limit),
/// <c>index/{app}|{id}</c> (listing by app and status), <c>due/{id}</c> (active releases and when they are next due),
/// <c>lock/{app}</c> (the one active release of an app) and <c>idem/{hash}</c> (idempotency keys).
/// Releases stored before the index had a partition of its own kept their entry in <c>app-{app}/{id}</c>; listing reads
/// both, and the old entry goes when the release's entry is next written.
/// </summary>
internal sealed class ReleaseStore(TableClient table)
{
    // Every active release's due entry shares one partition, and so does every app's lock and every release's index
    // entry: the tick moves hundreds of due entries at once, and the releases it finishes write their index entries and
    // drop their due entries and locks together.
    private readonly TableGroupCommit _sharedPartitionWrites = new(table);

    /// <summary>Bytes per property: a binary property holds at most 64 KiB.</summary>
    private const int ChunkBytes = 60_000;
    private const int MaxChunks = 12;
    private const string GzipEncoding = "gzip";
    private const string GzipChunk = "StateGz";
    private const string DueAtProperty = "DueAt";
    private const string UpdatedAtProperty = "UpdatedAt";

    /// <summary>
    /// Where documents used to be kept. A row key shared by every release costs Azurite a scan of all of them on each
    /// read and write (its index lookups go by row key), so each document now has its own (the release id).
    /// </summary>
    private const string LegacyStateRowKey = "state";

    private const string DuePartition = "due";
    private const string LockPartition = "lock";
    private const string IdempotencyPartition = "idem";
    private const string IndexPartition = "index";

    /// <summary>Ends an app's name in an index row key; app names hold lowercase letters, digits and hyphens only.</summary>
    private const char IndexSeparator = '|';

    /// <summary>Just after <see cref="IndexSeparator"/>: an app's index entries sort below its name followed by this.</summary>
    private const char IndexSeparatorEnd = '}';

    private const string LegacyAppPrefix = "app-";
    private const string LegacyAppPrefixEnd = "app.";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>At most this many documents are remembered; beyond it the memory starts over.</summary>
    private const int MaxRemembered = 20_000;

    // The documents this instance wrote last, each with the version of the due entry written after it. While a release's
    // due entry is still that version, nobody has written the release since: every writer moves the due entry, commands
    // before their write and passes after it. A writer that stops between the two leaves a stale copy here, which the
    // next save finds out (its ETag no longer matches) exactly as it would a concurrent writer.
    private readonly ConcurrentDictionary<string, Remembered> _remembered = new(StringComparer.Ordinal);

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

    /// <param name="dueETag">
    /// The version of the release's due entry the caller just listed: when this instance wrote the document last and moved
    /// that very entry version after it, the document is taken from memory instead of storage.
    /// </param>
    public async Task<StoredRelease?> GetAsync(string releaseId, CancellationToken cancellationToken, ETag? dueETag = null)
    {
        if (dueETag is { } listed && _remembered.TryGetValue(releaseId, out var remembered) && remembered.DueETag == listed)
        {
            var state = FromJson(remembered.Json, releaseId);
            (state.DueAt, state.UpdatedAt) = (remembered.DueAt, remembered.UpdatedAt);
            return new StoredRelease(state, remembered.StateETag, remembered.Json);
        }
        await ReadyAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var entity = await table.GetEntityOrNullAsync(StateKey(releaseId), releaseId, cancellationToken);
            if (entity is not null)
            {
                var (state, content) = Read(entity);
                return new StoredRelease(state, entity.ETag, content);
            }
            var legacy = await table.GetEntityOrNullAsync(StateKey(releaseId), LegacyStateRowKey, cancellationToken);
            if (legacy is null)
            {
                return null;
            }
            if (await MoveLegacyAsync(releaseId, legacy, cancellationToken) is { } moved)
            {
                return moved;
            }
            if (attempt == 2)
            {
                throw new ReleaseConcurrencyException(releaseId);
            }
        }
    }

    // A document stored under the row key every release used to share moves to its own, in one transaction that also
    // checks nobody changed it meanwhile. Null when someone else moved or changed it first: read again.
    internal async Task<StoredRelease?> MoveLegacyAsync(string releaseId, TableEntity legacy, CancellationToken cancellationToken)
    {
        var (state, _) = Read(legacy);
        var (moved, content) = Write(state);
        try
        {
            var answers = await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, moved),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(legacy.PartitionKey, legacy.RowKey), legacy.ETag),
            ], cancellationToken);
            return new StoredRelease(state, answers.Value[0].Headers.ETag ?? default, content);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes a new release with its due and index entries. The app lock must already be held. The due entry goes first:
    /// if the process stops half-way the tick finds the entry, and either the release (and advances it) or nothing.
    /// </summary>
    public async Task<ETag> CreateAsync(ReleaseState state, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        state.SharedIndex = true;
        await SetDueAsync(state.Id, state.DueAt, ifMatch: null, cancellationToken);
        var (entity, _) = Write(state);
        var etag = await table.AddEntityWithETagAsync(entity, cancellationToken);
        await WriteIndexAsync(state, cancellationToken);
        return etag;
    }

    /// <summary>Replaces the release document if nobody changed it since <paramref name="ifMatch"/>. Index and due entries are the caller's.</summary>
    /// <param name="content">The state's <see cref="Content"/>, when the caller has just computed it.</param>
    /// <exception cref="ReleaseConcurrencyException">Someone else wrote it first.</exception>
    public async Task<ETag> UpdateAsync(ReleaseState state, ETag ifMatch, CancellationToken cancellationToken, byte[]? content = null)
    {
        await ReadyAsync(cancellationToken);
        var (entity, json) = Write(state, content);
        try
        {
            var etag = await table.UpdateEntityWithETagAsync(entity, ifMatch, TableUpdateMode.Replace, cancellationToken);
            if (_remembered.Count >= MaxRemembered)
            {
                _remembered.Clear();
            }
            _remembered[state.Id] = new Remembered(etag, json, state.DueAt, state.UpdatedAt, DueETag: null);
            return etag;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            _remembered.TryRemove(state.Id, out _);
            throw new ReleaseConcurrencyException(state.Id);
        }
    }

    /// <summary>
    /// Sets when the tick next looks at an active release. An entry earlier than needed costs a look; a later one would
    /// delay it, so moving it later is conditional on the version last seen (<paramref name="ifMatch"/>).
    /// </summary>
    /// <param name="afterState">
    /// The document version the caller holds, when this move follows its save (or a pass that left the document as it
    /// was): a document this instance remembers at that version is then known current as long as the entry stays as
    /// written here. Any other move forgets the document.
    /// </param>
    /// <returns>The entry's new version, or null when it changed (or went) since <paramref name="ifMatch"/>: someone else moved it.</returns>
    public async Task<ETag?> SetDueAsync(string releaseId, DateTimeOffset dueAt, ETag? ifMatch, CancellationToken cancellationToken, ETag? afterState = null)
    {
        var moved = await MoveDueEntryAsync(releaseId, dueAt, ifMatch, cancellationToken);
        if (moved is { } dueETag && afterState is { } stateETag &&
            _remembered.TryGetValue(releaseId, out var remembered) && remembered.StateETag == stateETag &&
            _remembered.TryUpdate(releaseId, remembered with { DueETag = dueETag }, remembered))
        {
            return moved;
        }
        _remembered.TryRemove(releaseId, out _);
        return moved;
    }

    private async Task<ETag?> MoveDueEntryAsync(string releaseId, DateTimeOffset dueAt, ETag? ifMatch, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var entity = new TableEntity(DuePartition, releaseId) { ["DueAt"] = dueAt };
        var action = ifMatch is { } etag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, etag)
            : new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity);
        try
        {
            await _sharedPartitionWrites.SubmitAsync(action, cancellationToken);
            return entity.ETag;
        }
        catch (TableSubmissionFailedException ex) when (ifMatch is not null && ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>Drops a due entry whose release was never written (its start stopped half-way).</summary>
    public async Task ForgetDueAsync(string releaseId, CancellationToken cancellationToken)
    {
        _remembered.TryRemove(releaseId, out _);
        await ReadyAsync(cancellationToken);
        await table.DeleteEntityAsync(DuePartition, releaseId, cancellationToken: cancellationToken);
    }

    /// <summary>Active releases whose next step is due, with the time their entry holds, from the due index only.</summary>
    public async IAsyncEnumerable<(string Id, DateTimeOffset DueAt, ETag ETag)> ListDueAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DuePartition} and DueAt le {now}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: ["RowKey", "DueAt"], cancellationToken: cancellationToken))
        {
            yield return (entity.RowKey, entity.GetDateTimeOffset("DueAt") ?? DateTimeOffset.MinValue, entity.ETag);
        }
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
        var entries = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: ["RowKey", "CreatedAt"], cancellationToken: cancellationToken))
        {
            entries[entity.RowKey[(entity.RowKey.IndexOf(IndexSeparator, StringComparison.Ordinal) + 1)..]] = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue;
        }

        // Entries in the old place, of releases stored before the index had its own partition (few, and fewer as they end).
        // One whose release has an entry in the new place already is on its way out: the new one holds, whatever its status.
        var legacyFilter = app is null
            ? TableClient.CreateQueryFilter($"PartitionKey ge {LegacyAppPrefix} and PartitionKey lt {LegacyAppPrefixEnd}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {LegacyAppKey(app)}");
        await foreach (var entity in table.QueryAsync<TableEntity>(legacyFilter, select: ["PartitionKey", "RowKey", "Status", "CreatedAt"], cancellationToken: cancellationToken))
        {
            if (entries.ContainsKey(entity.RowKey) || (status is not null && entity.GetString("Status") != status))
            {
                continue;
            }
            var releaseApp = entity.PartitionKey[LegacyAppPrefix.Length..];
            if (await table.GetEntityOrNullAsync(IndexPartition, releaseApp + IndexSeparator + entity.RowKey, cancellationToken) is null)
            {
                entries[entity.RowKey] = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue;
            }
        }
        return [.. entries.OrderByDescending(e => e.Value).ThenByDescending(e => e.Key, StringComparer.Ordinal).Take(max).Select(e => e.Key)];
    }

    /// <summary>
    /// Takes the app's lock for <paramref name="releaseId"/>: the version taken, or the holder's id when someone else
    /// holds it.
    /// </summary>
    public async Task<LockAttempt> TryLockAsync(string app, string releaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var entity = new TableEntity(LockPartition, app) { ["ReleaseId"] = releaseId, ["LockedAt"] = now };
        try
        {
            return new LockAttempt(Holder: null, await table.AddEntityWithETagAsync(entity, cancellationToken));
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var holder = await table.GetEntityOrNullAsync(LockPartition, app, cancellationToken);
            return new LockAttempt(holder?.GetString("ReleaseId") ?? "", default);
        }
    }

    /// <summary>Reads the lock entity: holder id and ETag, for a conditional take-over of a stale lock.</summary>
    public async Task<(string ReleaseId, DateTimeOffset LockedAt, ETag ETag)?> GetLockAsync(string app, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var entity = await table.GetEntityOrNullAsync(LockPartition, app, cancellationToken);
        return entity is null ? null : (entity.GetString("ReleaseId") ?? "", entity.GetDateTimeOffset("LockedAt") ?? DateTimeOffset.MinValue, entity.ETag);
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

    /// <summary>
    /// Releases the app's lock if <paramref name="releaseId"/> holds it and took it no later than <paramref name="endedAt"/>;
    /// harmless when repeated. A lock taken after the release ended belongs to its rollback (a success being swapped back).
    /// </summary>
    /// <param name="taken">
    /// The lock version the release took, when it knows it: that version is deleted without reading the lock first. Only
    /// when the lock has changed since (taken again to swap a success back, or broken and taken by another release) is it
    /// read and judged as above.
    /// </param>
    public async Task UnlockAsync(string app, string releaseId, DateTimeOffset endedAt, CancellationToken cancellationToken, ETag? taken = null)
    {
        if (taken is { } version && await BreakLockAsync(app, version, cancellationToken))
        {
            return;
        }
        var held = await GetLockAsync(app, cancellationToken);
        if (held is { } lockEntry && lockEntry.ReleaseId == releaseId && lockEntry.LockedAt <= endedAt)
        {
            await BreakLockAsync(app, lockEntry.ETag, cancellationToken);
        }
    }

    /// <summary>Records an idempotency key; returns the existing record when the key was used before.</summary>
    public async Task<IdempotencyRecord?> TryAddIdempotencyKeyAsync(string callerId, string key, string bodyHash, string releaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var rowKey = IdempotencyRowKey(callerId, key);
        var entity = new TableEntity(IdempotencyPartition, rowKey) { ["BodyHash"] = bodyHash, ["ReleaseId"] = releaseId, ["At"] = now };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await GetIdempotencyKeyAsync(callerId, key, cancellationToken);
        }
    }

    public async Task<IdempotencyRecord?> GetIdempotencyKeyAsync(string callerId, string key, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        var entity = await table.GetEntityOrNullAsync(IdempotencyPartition, IdempotencyRowKey(callerId, key), cancellationToken);
        return entity is null ? null : new IdempotencyRecord(entity.GetString("BodyHash") ?? "", entity.GetString("ReleaseId") ?? "", entity.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue);
    }

    public async Task RemoveIdempotencyKeyAsync(string callerId, string key, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken);
        await table.DeleteEntityAsync(IdempotencyPartition, IdempotencyRowKey(callerId, key), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Brings an ended release's index entry up to date, drops its due entry, then lets go of the app lock; repeatable.
    /// Until the due entry is gone the tick comes back and finishes the job; a lock left behind by a failure here is held
    /// by an ended release, which the next start breaks as stale. The lock goes last, so a success being swapped back
    /// (which takes a free lock only) never races this.
    /// </summary>
    public async Task FinishAsync(ReleaseState state, CancellationToken cancellationToken)
    {
        _remembered.TryRemove(state.Id, out _);
        await ReadyAsync(cancellationToken);
        await WriteIndexAsync(state, cancellationToken);
        await DeleteDueEntryAsync(state.Id, cancellationToken);
        await UnlockAsync(state.App, state.Id, state.PhaseEnteredAt, cancellationToken, state.LockETag is { } taken ? new ETag(taken) : null);
    }

    private async Task DeleteDueEntryAsync(string releaseId, CancellationToken cancellationToken)
    {
        try
        {
            await _sharedPartitionWrites.SubmitAsync(
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(DuePartition, releaseId)), cancellationToken);
        }
        catch (TableSubmissionFailedException ex) when (ex.Status == 404)
        {
            // Gone already: an earlier finish got this far.
        }
    }

    /// <summary>A release that had ended runs again (a success being swapped back): the index lists it as active.</summary>
    public Task ReopenAsync(ReleaseState state, CancellationToken cancellationToken) => WriteIndexAsync(state, cancellationToken);

    // The index holds what listing filters on: status (Active until the release ends) and creation time. It changes
    // only when a release starts and when it ends, so steps in between do not write it. A release stored before the index
    // had its own partition drops its entry in the old place once the new one is written.
    private async Task WriteIndexAsync(ReleaseState state, CancellationToken cancellationToken)
    {
        await _sharedPartitionWrites.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
            new TableEntity(IndexPartition, state.App + IndexSeparator + state.Id)
            {
                ["Status"] = ReleasePhases.StatusOf(state.Phase).ToString(),
                ["CreatedAt"] = state.CreatedAt,
            }), cancellationToken);
        if (!state.SharedIndex)
        {
            // Harmless when an earlier write got this far: a missing entity answers 404, which is success here.
            await table.DeleteEntityAsync(LegacyAppKey(state.App), state.Id, cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// The document's content apart from when it is next due and when it was last written (those two are kept beside
    /// it): two states with equal content differ in nothing a reader acts on, so the later need not be written. It is
    /// what <see cref="UpdateAsync"/> stores, so a save serializes the state once.
    /// </summary>
    public static byte[] Content(ReleaseState state)
    {
        var (dueAt, updatedAt) = (state.DueAt, state.UpdatedAt);
        state.DueAt = default;
        state.UpdatedAt = default;
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(state, Json);
        }
        finally
        {
            state.DueAt = dueAt;
            state.UpdatedAt = updatedAt;
        }
    }

    private static (TableEntity Entity, byte[] Content) Write(ReleaseState state, byte[]? content = null)
    {
        // Gzip: a release document is repetitive JSON, and every step reads and writes it whole.
        var json = content ?? Content(state);
        using var compressed = new MemoryStream(json.Length / 4 + 64);
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json);
        }
        var bytes = compressed.GetBuffer().AsSpan(0, (int)compressed.Length);
        var chunks = (bytes.Length + ChunkBytes - 1) / ChunkBytes;
        if (chunks > MaxChunks)
        {
            throw new InvalidOperationException($"Release {state.Id} grew to {json.Length} bytes ({bytes.Length} compressed), beyond what one entity holds.");
        }
        var entity = new TableEntity(StateKey(state.Id), state.Id)
        {
            ["App"] = state.App,
            ["Phase"] = state.Phase.ToString(),
            ["Encoding"] = GzipEncoding,
            ["Chunks"] = chunks,
            [DueAtProperty] = state.DueAt,
            [UpdatedAtProperty] = state.UpdatedAt,
        };
        for (var i = 0; i < chunks; i++)
        {
            entity[GzipChunk + i] = bytes.Slice(i * ChunkBytes, Math.Min(ChunkBytes, bytes.Length - i * ChunkBytes)).ToArray();
        }
        return (entity, json);
    }

    private static ReleaseState FromJson(byte[] json, string releaseId) =>
        JsonSerializer.Deserialize<ReleaseState>(json, Json) ?? throw new InvalidDataException($"Release {releaseId} was remembered without a state.");

    /// <summary>A document as this instance wrote it (its content and the two times kept beside it), and the due entry version written after it (null until then).</summary>
    private sealed record Remembered(ETag StateETag, byte[] Json, DateTimeOffset DueAt, DateTimeOffset UpdatedAt, ETag? DueETag);

    private static (ReleaseState State, byte[] Content) Read(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? 0;
        byte[] json;
        if (entity.GetString("Encoding") == GzipEncoding)
        {
            using var compressed = new MemoryStream();
            for (var i = 0; i < chunks; i++)
            {
                compressed.Write(entity.GetBinary(GzipChunk + i) ?? []);
            }
            compressed.Position = 0;
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            json = plain.ToArray();
        }
        else
        {
            // Documents written before compression: the JSON text split across string properties.
            var text = new StringBuilder();
            for (var i = 0; i < chunks; i++)
            {
                text.Append(entity.GetString("State" + i));
            }
            json = Encoding.UTF8.GetBytes(text.ToString());
        }
        var state = JsonSerializer.Deserialize<ReleaseState>(json, Json) ?? throw new InvalidDataException($"Release entity {entity.PartitionKey} holds no state.");
        // Documents written before the two times were kept beside the content hold them inside it.
        if (entity.GetDateTimeOffset(DueAtProperty) is { } dueAt)
        {
            state.DueAt = dueAt;
        }
        if (entity.GetDateTimeOffset(UpdatedAtProperty) is { } updatedAt)
        {
            state.UpdatedAt = updatedAt;
        }
        return (state, json);
    }

    private static string StateKey(string releaseId) => "release-" + releaseId;

    private static string LegacyAppKey(string app) => LegacyAppPrefix + app;

    // Keys are hashed: they come from callers and may hold characters a row key cannot.
    private static string IdempotencyRowKey(string callerId, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(callerId + "\n" + key)));
}

/// <summary>Taking an app's lock: the version taken, or (when <see cref="Holder"/> is set) who holds it instead.</summary>
internal readonly record struct LockAttempt(string? Holder, ETag Taken);

internal sealed record IdempotencyRecord(string BodyHash, string ReleaseId, DateTimeOffset At);
