using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using Blueshift.Functions.Storage;

namespace Blueshift.Functions.Audit;

/// <summary>
/// The audit trail on Table storage. Each record is inserted twice, never updated or deleted, in its UTC month's
/// partition and in one transaction: once under a row key that starts with its time (so "everything between two
/// instants" is one row-key range per month it spans) and once under a row key that starts with its app (so an app's
/// history over a range is one row-key range per month as well).
/// </summary>
/// <remarks>
/// <para>
/// Both row keys end in the record's time and then its identity (<see cref="IdentifiedAuditRecord"/>), so a record
/// written again (an activity re-run after its host died, a retry, a concurrent writer) meets its own rows and adds
/// nothing. Records of one instant sort by identity, so a group numbered by <see cref="IdentifiedAuditRecord.Numbered"/>
/// keeps its order.
/// </para>
/// <para>
/// Row keys hold the instant's ticks, zero-padded, so rows sort oldest first and a time range is a row-key range.
/// Retention (two years, seed 000 §10.4) is a property of the storage account, not of this code: the app never deletes.
/// </para>
/// <para>
/// A month's partition is shared by every app, so concurrent writers (the reconciler's passes over many releases) share
/// its transactions. Records written before the month partitions were kept once in their UTC day's partition
/// (<c>day|yyyyMMdd</c>) and once in their app's (<c>app|{app}</c>), keyed by time alone; queries still read those and
/// merge them in time order.
/// </para>
/// </remarks>
public sealed class TableAuditTrail : IAuditTrail
{
    internal const int MaxReasonLength = 2_000;
    internal const int MaxDetailsJsonLength = 30_000;
    private const string MonthPartitionPrefix = "month|";
    private const string TimeRowPrefix = "t|";
    private const string AppRowPrefix = "a|";
    private const char AppSeparator = '|';
    private const string LegacyAppPartitionPrefix = "app|";
    private const string LegacyDayPartitionPrefix = "day|";
    private const string NoApp = "-";

    private readonly TableClient _table;
    private readonly TableGroupCommit _writes;
    private readonly Lazy<Task> _created;

    public TableAuditTrail(TableClient table)
    {
        _table = table;
        // Every record of a month lands in one partition, so concurrent writers share transactions there; a write to an
        // idle partition leaves at once.
        _writes = new TableGroupCommit(table);
        _created = new Lazy<Task>(() => _table.CreateIfNotExistsAsync());
    }

    public Task RecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RecordAllAsync([record], cancellationToken);
    }

    /// <summary>
    /// Writes the records, both rows of each, as one transaction per month they fall in (and per 50 records, or fewer
    /// when they are large): one round trip, mostly. Row keys keep the given order among records of the same instant.
    /// </summary>
    /// <remarks>
    /// Records written outside an orchestration (HTTP requests) have no identity of their own: a fresh group gives them
    /// one, so that only the SDK's retry of a request whose first attempt landed unseen finds them written already.
    /// </remarks>
    public Task RecordAllAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        return RecordOnceAsync(IdentifiedAuditRecord.Numbered(Guid.NewGuid().ToString("N"), records), cancellationToken);
    }

    /// <summary>
    /// Writes the records as <see cref="RecordAllAsync"/> does, each under row keys made of its time and its identity, so
    /// that writing it again meets its own rows (409, EntityAlreadyExists) instead of adding new ones.
    /// </summary>
    public async Task RecordOnceAsync(IReadOnlyList<IdentifiedAuditRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var identified in records)
        {
            ArgumentNullException.ThrowIfNull(identified?.Record, nameof(records));
            if (!IdentifiedAuditRecord.IsValidId(identified.Id))
            {
                throw new ArgumentException(
                    $"'{identified.Id}' cannot identify an audit record: use 1 to {IdentifiedAuditRecord.MaxIdLength} letters, digits, '-' or '_'.", nameof(records));
            }
            if (!ids.Add(identified.Id))
            {
                throw new ArgumentException($"Audit record identity '{identified.Id}' appears twice in one call.", nameof(records));
            }
        }
        if (records.Count == 0)
        {
            return;
        }
        await _created.Value.WaitAsync(cancellationToken);
        var rows = records.Select(r => new Row(r.Id, r.Record, $"{TimeKey(r.Record.At)}-{r.Id}"));
        var writes = rows.GroupBy(r => MonthPartition(r.Record.At))
            .SelectMany(month => Transactions(month).Select(chunk => InsertOnceAsync(month.Key, chunk, cancellationToken)));
        await Task.WhenAll(writes);
    }

    public async IAsyncEnumerable<AuditRecord> QueryAsync(
        string? app, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (to < from)
        {
            throw new ArgumentException($"The range ends ({to:O}) before it starts ({from:O}).", nameof(to));
        }
        await _created.Value.WaitAsync(cancellationToken);

        // The upper bound is exclusive, one tick after 'to'; as a number it exists even when 'to' is the last instant there is.
        var (lower, upper) = (TimeKey(from), TimeKey(to.UtcTicks + 1));
        var prefix = app is null ? TimeRowPrefix : AppRowKey(app, "");
        var months = MonthsBetween(from, to).Select(month => RangeAsync(MonthPartition(month), prefix, lower, upper, cancellationToken));
        var legacy = app is null
            ? DaysBetween(from, to).Select(day => RangeAsync(LegacyDayPartitionPrefix + DayKey(day), "", lower, upper, cancellationToken))
            : [RangeAsync(LegacyAppPartitionPrefix + AppOrNone(app), "", lower, upper, cancellationToken)];

        // Oldest first across both layouts, merged by the time their row keys hold.
        await using var before = Concat(legacy).GetAsyncEnumerator(cancellationToken);
        await using var now = Concat(months).GetAsyncEnumerator(cancellationToken);
        var (hasBefore, hasNow) = (await before.MoveNextAsync(), await now.MoveNextAsync());
        while (hasBefore || hasNow)
        {
            if (hasBefore && (!hasNow || string.CompareOrdinal(before.Current.TimeKey, now.Current.TimeKey) <= 0))
            {
                yield return FromEntity(before.Current.Entity);
                hasBefore = await before.MoveNextAsync();
            }
            else
            {
                yield return FromEntity(now.Current.Entity);
                hasNow = await now.MoveNextAsync();
            }
        }
    }

    // Both rows of a record go in one transaction; a transaction holds at most 100 entities and 4 MiB, and records
    // carry up to about 64 KiB of text each (reason and details), escaped once more in the request.
    private static IEnumerable<List<Row>> Transactions(IEnumerable<Row> rows)
    {
        const int maxBytes = 1536 * 1024;
        var chunk = new List<Row>();
        var bytes = 0;
        foreach (var row in rows)
        {
            var size = 2 * (1024 + 4 * ((row.Record.Reason?.Length ?? 0) + (row.Record.Details?.Sum(d => d.Key.Length + d.Value.Length + 8) ?? 0)));
            if (chunk.Count > 0 && (chunk.Count == TableGroupCommit.MaxActions / 2 || bytes + size > maxBytes))
            {
                yield return chunk;
                (chunk, bytes) = ([], 0);
            }
            chunk.Add(row);
            bytes += size;
        }
        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private static async IAsyncEnumerable<T> Concat<T>(IEnumerable<IAsyncEnumerable<T>> sources)
    {
        foreach (var source in sources)
        {
            await foreach (var item in source)
            {
                yield return item;
            }
        }
    }

    // The rows of one partition whose key is the prefix followed by a time key in [lower, upper), with that time key.
    private async IAsyncEnumerable<(TableEntity Entity, string TimeKey)> RangeAsync(
        string partition, string prefix, string lower, string upper, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix + lower} and RowKey lt {prefix + upper}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return (entity, entity.RowKey[prefix.Length..]);
        }
    }

    /// <summary>
    /// Inserts both rows of each record. A transaction fails as a whole on one conflict, and a conflict means that some of
    /// these records are there already (a re-run writing them again, a concurrent writer, or the SDK retrying a request
    /// whose first attempt landed unseen): which of them are there is read, each is checked to hold the same content, and
    /// the rest are sent again, until none is left.
    /// </summary>
    private async Task InsertOnceAsync(string partition, List<Row> chunk, CancellationToken cancellationToken)
    {
        TableTransactionAction[] Inserts(Row r) =>
            [Add(partition, TimeRowPrefix + r.TimeKey, r.Record), Add(partition, AppRowKey(r.Record.App, r.TimeKey), r.Record)];
        var pending = chunk;
        while (pending.Count > 0)
        {
            try
            {
                await _writes.SubmitAsync([.. pending.SelectMany(Inserts)], cancellationToken);
                return;
            }
            catch (TableSubmissionFailedException ex) when (ex.Status == 409)
            {
                // Both rows of a record are written together and never deleted, so its time row says whether it is there.
                var stored = await Task.WhenAll(pending.Select(r => _table.GetEntityOrNullAsync(partition, TimeRowPrefix + r.TimeKey, cancellationToken)));
                var missing = new List<Row>();
                for (var i = 0; i < pending.Count; i++)
                {
                    if (stored[i] is { } entity)
                    {
                        EnsureSameContent(pending[i], entity);
                    }
                    else
                    {
                        missing.Add(pending[i]);
                    }
                }
                if (missing.Count == pending.Count)
                {
                    var conflict = pending[Math.Clamp(ex.FailedActionIndex / 2, 0, pending.Count - 1)];
                    throw new InvalidOperationException(
                        $"Audit record '{conflict.Id}' conflicts with a row in partition '{partition}' although its time row is missing: " +
                        "the table holds rows this trail did not write.", ex);
                }
                pending = missing;
            }
        }
    }

    // Append-only: a record found under its identity must be the record being written, or two records were given one identity.
    private static void EnsureSameContent(Row row, TableEntity stored)
    {
        var written = ToEntity(stored.PartitionKey, stored.RowKey, row.Record);
        foreach (var property in ContentProperties)
        {
            if (!string.Equals(Comparable(written, property), Comparable(stored, property), StringComparison.Ordinal))
            {
                throw new AuditIdentityConflictException(row.Id,
                    $"Audit record '{row.Id}' ({row.Record.Action} at {row.Record.At:O}) is already in the trail with another {property}. " +
                    "The trail keeps the first and never overwrites: the writer gave two records one identity.");
            }
        }
    }

    private static readonly string[] ContentProperties = ["At", "Actor", "Action", "CorrelationId", "App", "ReleaseId", "Reason", "Details"];

    private static string? Comparable(TableEntity entity, string property) => entity.TryGetValue(property, out var value) switch
    {
        false => null,
        true when value is DateTimeOffset or DateTime => entity.GetDateTimeOffset(property)?.UtcTicks.ToString(CultureInfo.InvariantCulture),
        true => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static TableTransactionAction Add(string partition, string rowKey, AuditRecord record) =>
        new(TableTransactionActionType.Add, ToEntity(partition, rowKey, record));

    private static string AppOrNone(string? app) => string.IsNullOrEmpty(app) ? NoApp : app;

    // App names hold no separator (lowercase letters, digits and hyphens), so one app's rows are exactly those that start
    // with its name and the separator.
    private static string AppRowKey(string? app, string timeKey) => AppRowPrefix + AppOrNone(app) + AppSeparator + timeKey;

    private static string MonthPartition(DateTimeOffset at) => MonthPartitionPrefix + at.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture);

    private static string DayKey(DateTime day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    // Stops at the last day rather than stepping past it, so a range that ends on 9999-12-31 does not overflow.
    private static IEnumerable<DateTime> DaysBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var last = to.UtcDateTime.Date;
        for (var day = from.UtcDateTime.Date; ; day = day.AddDays(1))
        {
            yield return day;
            if (day >= last)
            {
                yield break;
            }
        }
    }

    private static IEnumerable<DateTimeOffset> MonthsBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var last = new DateTimeOffset(to.UtcDateTime.Year, to.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        for (var month = new DateTimeOffset(from.UtcDateTime.Year, from.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero); ; month = month.AddMonths(1))
        {
            yield return month;
            if (month >= last)
            {
                yield break;
            }
        }
    }

    private static string TimeKey(DateTimeOffset at) => TimeKey(at.UtcTicks);

    private static string TimeKey(long ticks) => ticks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>A record with its identity and the time key its rows are stored under: its time, then its identity.</summary>
    private sealed record Row(string Id, AuditRecord Record, string TimeKey);

    private static TableEntity ToEntity(string partitionKey, string rowKey, AuditRecord record)
    {
        var entity = new TableEntity(partitionKey, rowKey)
        {
            ["At"] = record.At.ToUniversalTime(),
            ["Actor"] = record.Actor,
            ["Action"] = record.Action,
            ["CorrelationId"] = record.CorrelationId,
        };
        if (record.App is not null)
        {
            entity["App"] = record.App;
        }
        if (record.ReleaseId is not null)
        {
            entity["ReleaseId"] = record.ReleaseId;
        }
        if (record.Reason is not null)
        {
            entity["Reason"] = Truncate(record.Reason, MaxReasonLength);
        }
        if (record.Details is { Count: > 0 })
        {
            entity["Details"] = SerializeDetails(record.Details);
        }
        return entity;
    }

    // A property holds at most 64 KiB (32K UTF-16 characters); oversized details are cut value by value, and say so.
    private static string SerializeDetails(IReadOnlyDictionary<string, string> details)
    {
        var json = JsonSerializer.Serialize(details);
        if (json.Length <= MaxDetailsJsonLength)
        {
            return json;
        }
        var perValue = Math.Max(16, MaxDetailsJsonLength / (details.Count + 1) - 32);
        var cut = details.ToDictionary(d => Truncate(d.Key, 128), d => Truncate(d.Value, perValue));
        cut["truncated"] = "true";
        json = JsonSerializer.Serialize(cut);
        return json.Length <= MaxDetailsJsonLength ? json : JsonSerializer.Serialize(new Dictionary<string, string> { ["truncated"] = "true" });
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : string.Concat(value.AsSpan(0, max - 1), "…");

    private static AuditRecord FromEntity(TableEntity entity)
    {
        var details = entity.GetString("Details") is { } json
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(json)
            : null;
        return new AuditRecord(
            entity.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue,
            entity.GetString("Actor") ?? string.Empty,
            entity.GetString("Action") ?? string.Empty,
            entity.GetString("App"),
            entity.GetString("ReleaseId"),
            entity.GetString("Reason"),
            entity.GetString("CorrelationId") ?? string.Empty,
            details);
    }
}
