using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Blueshift.Storage.Tables;

namespace Blueshift.Functions.Audit;

/// <summary>
/// The audit trail on Table storage. Each record is inserted twice, never updated or deleted: once in its UTC day's
/// partition (so "everything between two instants" reads only the days it spans instead of scanning the table) and once
/// in its UTC month's app partition under a row key that starts with the app (so an app's history over a range is one
/// row-key range query per month it spans).
/// </summary>
/// <remarks>
/// <para>
/// Row keys hold the instant's ticks, zero-padded, so rows sort oldest first and a time range is a row-key range.
/// Retention (two years, seed 000 §10.4) is a property of the storage account, not of this code: the app never deletes.
/// </para>
/// <para>
/// Both partitions are shared by every app, so concurrent writers (the reconciler's passes over many releases) share
/// transactions in both. Records written before the month partitions were kept in a partition of their app
/// (<c>app|{app}</c>); the app query still reads that partition, and merges it in time order.
/// </para>
/// </remarks>
public sealed class TableAuditTrail : IAuditTrail
{
    internal const int MaxReasonLength = 2_000;
    internal const int MaxDetailsJsonLength = 30_000;
    private const string LegacyAppPartitionPrefix = "app|";
    private const string AppMonthPartitionPrefix = "apps|";
    private const string DayPartitionPrefix = "day|";
    private const char AppSeparator = '|';
    private const string NoApp = "-";

    private readonly TableClient _table;
    private readonly TableGroupCommit _writes;
    private readonly Lazy<Task> _created;

    public TableAuditTrail(TableClient table)
    {
        _table = table;
        // Every record of a day lands in one partition, and every record of a month in one more, so concurrent writers
        // share transactions there; a write to an idle partition leaves at once, as a plain request when it is a single row.
        _writes = new TableGroupCommit(table);
        _created = new Lazy<Task>(() => _table.CreateIfNotExistsAsync());
    }

    public async Task RecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _created.Value.WaitAsync(cancellationToken);
        var rowKey = RowKeyPrefix(record.At) + "-" + Guid.NewGuid().ToString("N");
        await Task.WhenAll(
            InsertOnceAsync([Add(AppMonthPartition(record.At), AppRowKey(record.App, rowKey), record)], cancellationToken),
            InsertOnceAsync([Add(DayPartition(record.At), rowKey, record)], cancellationToken));
    }

    /// <summary>
    /// Writes the records as one transaction per partition (their month's app partition, their day's), the two overlapping:
    /// two round trips for up to 100 records of one day. Row keys keep the given order among records of the same instant.
    /// </summary>
    public async Task RecordAllAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count <= 1)
        {
            if (records.Count == 1)
            {
                await RecordAsync(records[0], cancellationToken);
            }
            return;
        }
        await _created.Value.WaitAsync(cancellationToken);
        var group = Guid.NewGuid().ToString("N");
        var rows = records.Select((record, i) => (Record: record, RowKey: $"{RowKeyPrefix(record.At)}-{group}-{i:D3}")).ToList();
        var byApp = rows.GroupBy(r => AppMonthPartition(r.Record.At)).SelectMany(partition => partition.Chunk(TableGroupCommit.MaxActions)
            .Select(chunk => InsertOnceAsync([.. chunk.Select(r => Add(partition.Key, AppRowKey(r.Record.App, r.RowKey), r.Record))], cancellationToken)));
        var byDay = rows.GroupBy(r => DayPartition(r.Record.At)).SelectMany(partition => partition.Chunk(TableGroupCommit.MaxActions)
            .Select(chunk => InsertOnceAsync([.. chunk.Select(r => Add(partition.Key, r.RowKey, r.Record))], cancellationToken)));
        var writes = byApp.Concat(byDay);
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

        var lower = RowKeyPrefix(from);
        var upper = RowKeyPrefix(to.AddTicks(1));
        if (app is null)
        {
            foreach (var day in DaysBetween(from, to))
            {
                await foreach (var entity in RangeAsync(DayPartition(day), lower, upper, cancellationToken))
                {
                    yield return FromEntity(entity);
                }
            }
            yield break;
        }

        // Oldest first across both layouts: the app's own partition (records from before the month partitions) and the
        // month partitions, merged by row-key time.
        var legacy = RangeAsync(LegacyAppPartitionPrefix + AppOrNone(app), lower, upper, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var months = MonthsAsync(app, from, to, lower, upper, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            var (hasLegacy, hasMonth) = (await legacy.MoveNextAsync(), await months.MoveNextAsync());
            while (hasLegacy || hasMonth)
            {
                if (hasLegacy && (!hasMonth || string.CompareOrdinal(legacy.Current.RowKey, months.Current.Time) <= 0))
                {
                    yield return FromEntity(legacy.Current);
                    hasLegacy = await legacy.MoveNextAsync();
                }
                else
                {
                    yield return FromEntity(months.Current.Entity);
                    hasMonth = await months.MoveNextAsync();
                }
            }
        }
        finally
        {
            await legacy.DisposeAsync();
            await months.DisposeAsync();
        }
    }

    // An app's rows in the month partitions the range spans, each with its row key's time part (what follows the app).
    private async IAsyncEnumerable<(TableEntity Entity, string Time)> MonthsAsync(
        string app, DateTimeOffset from, DateTimeOffset to, string lower, string upper, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = AppRowKey(app, "");
        foreach (var month in MonthsBetween(from, to))
        {
            await foreach (var entity in RangeAsync(AppMonthPartition(month), prefix + lower, prefix + upper, cancellationToken))
            {
                yield return (entity, entity.RowKey[prefix.Length..]);
            }
        }
    }

    private IAsyncEnumerable<TableEntity> RangeAsync(string partition, string lower, string upper, CancellationToken cancellationToken) =>
        _table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {lower} and RowKey lt {upper}"),
            cancellationToken: cancellationToken);

    // The row keys are new, so a conflict means the pipeline retried a write whose first attempt landed unseen: a
    // submission is all or nothing, so every row of it is there.
    private async Task InsertOnceAsync(IReadOnlyList<TableTransactionAction> inserts, CancellationToken cancellationToken)
    {
        try
        {
            await _writes.SubmitAsync(inserts, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
        }
    }

    private static TableTransactionAction Add(string partition, string rowKey, AuditRecord record) =>
        new(TableTransactionActionType.Add, ToEntity(partition, rowKey, record));

    private static string AppOrNone(string? app) => string.IsNullOrEmpty(app) ? NoApp : app;

    // App names hold no separator (lowercase letters, digits and hyphens), so one app's rows are exactly those that start
    // with its name and the separator.
    private static string AppRowKey(string? app, string rowKey) => AppOrNone(app) + AppSeparator + rowKey;

    private static string AppMonthPartition(DateTimeOffset at) => AppMonthPartitionPrefix + at.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture);

    private static string DayPartition(DateTimeOffset at) => DayPartitionPrefix + at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static DateTimeOffset AtOfDay(DateTime day) => new(day, TimeSpan.Zero);

    private static IEnumerable<DateTimeOffset> DaysBetween(DateTimeOffset from, DateTimeOffset to)
    {
        for (var day = from.UtcDateTime.Date; day <= to.UtcDateTime.Date; day = day.AddDays(1))
        {
            yield return AtOfDay(day);
        }
    }

    private static IEnumerable<DateTimeOffset> MonthsBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var last = new DateTime(to.UtcDateTime.Year, to.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var month = new DateTime(from.UtcDateTime.Year, from.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc); month <= last; month = month.AddMonths(1))
        {
            yield return AtOfDay(month);
        }
    }

    private static string RowKeyPrefix(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

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
