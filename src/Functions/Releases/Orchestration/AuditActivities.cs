using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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
        await audit.RecordOnceAsync(Identified(batch.Records), cancellationToken);
        return batch.Records.Count;
    }

    /// <summary>
    /// Each record is named by its place in the batch and its content (the orchestration time it was noted at, actor,
    /// action, subject, reason, details), not by the batch's id. A host killed after an episode scheduled a batch but
    /// before the episode's history was saved runs that batch anyway; the replayed episode rebuilds it under another batch
    /// id (its clock differs), with the records noted in earlier episodes first and unchanged: they get the same names
    /// and are kept once.
    /// </summary>
    internal static IReadOnlyList<IdentifiedAuditRecord> Identified(IReadOnlyList<AuditRecord> records) =>
        [.. records.Select((record, i) => new IdentifiedAuditRecord($"{i.ToString("D3", CultureInfo.InvariantCulture)}-{Fingerprint(record)}", record))];

    private static string Fingerprint(AuditRecord record)
    {
        var text = new StringBuilder()
            .Append(record.At.UtcTicks.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(record.Actor).Append('\n').Append(record.Action).Append('\n')
            .Append(record.App).Append('\n').Append(record.ReleaseId).Append('\n')
            .Append(record.Reason).Append('\n').Append(record.CorrelationId).Append('\n');
        foreach (var (key, value) in (record.Details ?? new Dictionary<string, string>()).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32].ToLowerInvariant();
    }
}
