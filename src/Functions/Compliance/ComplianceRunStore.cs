using System.Text.Json;
using Azure.Data.Tables;
using Blueshift.Functions.Storage;

namespace Blueshift.Functions.Compliance;

/// <summary>A job's latest run as <c>GET /api/compliance/status</c> shows it.</summary>
public sealed record ComplianceRunRecord(
    ComplianceJob Job, string RunId, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, ComplianceRunStatus Status, ComplianceTallies Tallies, string? Error);

/// <summary>One row per job (partition <c>runs</c>, row = the job's name) holding its latest run.</summary>
public sealed class ComplianceRunStore(TableClient table)
{
    private const string Partition = "runs";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private int _tableCreated;

    public async Task SaveAsync(ComplianceRunRecord run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        await EnsureTableAsync(cancellationToken);
        var entity = new TableEntity(Partition, ComplianceJobs.Name(run.Job))
        {
            ["RunId"] = run.RunId,
            ["StartedAt"] = run.StartedAt,
            ["EndedAt"] = run.EndedAt,
            ["Status"] = run.Status.ToString(),
            ["Tallies"] = JsonSerializer.Serialize(run.Tallies, Json),
            ["Error"] = run.Error,
        };
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ComplianceRunRecord?> GetAsync(ComplianceJob job, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        return await table.GetEntityOrNullAsync(Partition, ComplianceJobs.Name(job), cancellationToken) is { } entity ? FromEntity(job, entity) : null;
    }

    public async Task<IReadOnlyDictionary<ComplianceJob, ComplianceRunRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var runs = new Dictionary<ComplianceJob, ComplianceRunRecord>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            if (ComplianceJobs.TryParse(entity.RowKey, out var job))
            {
                runs[job] = FromEntity(job, entity);
            }
        }
        return runs;
    }

    private static ComplianceRunRecord FromEntity(ComplianceJob job, TableEntity e) => new(
        job,
        e.GetString("RunId") ?? string.Empty,
        e.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("EndedAt"),
        Enum.TryParse<ComplianceRunStatus>(e.GetString("Status"), out var status) ? status : ComplianceRunStatus.Failed,
        JsonSerializer.Deserialize<ComplianceTallies>(e.GetString("Tallies") ?? "{}", Json) ?? new ComplianceTallies(),
        e.GetString("Error"));

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _tableCreated) == 0)
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _tableCreated, 1);
        }
    }
}
