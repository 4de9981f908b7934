using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Blueshift.Storage.Tables;

namespace Blueshift.Functions.Audit;

/// <summary>
/// The audit trail on Table storage. Each record is inserted twice, never updated or deleted: once in its app's partition
/// (so an app's history is one partition range query) and once in its UTC day's partition (so "everything between two
/// instants" reads only the days it spans instead of scanning the table).
/// </summary>
/// <remarks>
/// Row keys start with the instant's ticks, zero-padded, so rows sort oldest first and a time range is a row-key range.
/// Retention (two years, seed 000 §10.4) is a property of the storage account, not of this code: the app never deletes.
/// </remarks>
public sealed class TableAuditTrail : IAuditTrail
{
    internal const int MaxReasonLength = 2_000;
    internal const int MaxDetailsJsonLength = 30_000;
    private const string AppPartitionPrefix = "app|";
    private const string DayPartitionPrefix = "day|";
    private const string NoApp = "-";

    private readonly TableClient _table;
    private readonly TableGroupCommit _writes;
    private readonly Lazy<Task> _created;

    public TableAuditTrail(TableClient table)
    {
        _table = table;
        // Every record of a day lands in one partition, so concurrent writers share transactions there; a write to an idle
        // partition (an app's, mostly) leaves at once, as a plain request when it is a single row.
        _writes = new TableGroupCommit(table);
        _created = new Lazy<Task>(() => _table.CreateIfNotExistsAsync());
    }

    public async Task RecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _created.Value.WaitAsync(cancellationToken);
        var rowKey = RowKeyPrefix(record.At) + "-" + Guid.NewGuid().ToString("N");
        await Task.WhenAll(
            InsertOnceAsync([Add(AppPartition(record.App), rowKey, record)], cancellationToken),
            InsertOnceAsync([Add(DayPartition(record.At), rowKey, record)], cancellationToken));
    }

    /// <summary>
    /// Writes the records as one transaction per partition (their app's, their day's), the two overlapping: two round trips
    /// however many records there are. Row keys keep the given order among records of the same instant.
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
        var writes = rows.GroupBy(r => AppPartition(r.Record.App))
            .Concat(rows.GroupBy(r => DayPartition(r.Record.At)))
            .SelectMany(partition => partition.Chunk(TableGroupCommit.MaxActions).Select(chunk =>
                InsertOnceAsync([.. chunk.Select(r => Add(partition.Key, r.RowKey, r.Record))], cancellationToken)));
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

        var partitions = app is not null
            ? [AppPartition(app)]
            : DaysBetween(from, to).Select(DayPartition);
        var lower = RowKeyPrefix(from);
        var upper = RowKeyPrefix(to.AddTicks(1));
        foreach (var partition in partitions)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {lower} and RowKey lt {upper}");
            await foreach (var entity in _table.QueryAsync(filter, cancellationToken: cancellationToken))
            {
                yield return FromEntity(entity);
            }
        }
    }

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

    private static string AppPartition(string? app) => AppPartitionPrefix + (string.IsNullOrEmpty(app) ? NoApp : app);

    private static string DayPartition(DateTimeOffset at) => DayPartitionPrefix + at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static DateTimeOffset AtOfDay(DateTime day) => new(day, TimeSpan.Zero);

    private static IEnumerable<DateTimeOffset> DaysBetween(DateTimeOffset from, DateTimeOffset to)
    {
        for (var day = from.UtcDateTime.Date; day <= to.UtcDateTime.Date; day = day.AddDays(1))
        {
            yield return AtOfDay(day);
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
