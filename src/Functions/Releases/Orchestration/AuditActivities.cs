using Blueshift.Functions.Audit;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// Writes the orchestration's audit records (<see cref="IAuditTrail"/>), stamped with the orchestration's own time and
/// identified by it. A repeat (a worker that died after writing but before reporting, or a retry) writes the same batch,
/// and the trail keeps each record once.
/// </summary>
internal sealed class AuditActivities(IAuditTrail audit)
{
    public async Task<int> RecordAsync(AuditBatch batch, CancellationToken cancellationToken)
    {
        await audit.RecordOnceAsync(IdentifiedAuditRecord.Numbered(batch.Id, batch.Records), cancellationToken);
        return batch.Records.Count;
    }
}
