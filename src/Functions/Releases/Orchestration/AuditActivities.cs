using Blueshift.Functions.Audit;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// Writes the orchestration's audit records (<see cref="IAuditTrail"/>), stamped with the orchestration's own time. A
/// repeat (a worker that died after writing but before reporting) writes them again: the trail may hold a record twice,
/// with the same time and content, and never loses one.
/// </summary>
internal sealed class AuditActivities(IAuditTrail audit)
{
    public async Task<int> RecordAsync(AuditBatch batch, CancellationToken cancellationToken)
    {
        await audit.RecordAllAsync(batch.Records, cancellationToken);
        return batch.Records.Count;
    }
}
