namespace Blueshift.Functions.Audit;

/// <summary>One action, as the audit trail keeps it forever: who did what, why, when, to which app and release.</summary>
/// <param name="Actor">The caller's stable id (user object id, app id, or "blueshift" for Blueshift's own decisions).</param>
/// <param name="Action">A stable verb such as <c>release.started</c>, <c>release.rolled-back</c>, <c>alert.received</c>.</param>
/// <param name="Details">Measured values, thresholds, verdicts; never secrets.</param>
public sealed record AuditRecord(
    DateTimeOffset At,
    string Actor,
    string Action,
    string? App,
    string? ReleaseId,
    string? Reason,
    string CorrelationId,
    IReadOnlyDictionary<string, string>? Details = null);

/// <summary>The append-only audit trail. Implementations never update or delete a record.</summary>
public interface IAuditTrail
{
    Task RecordAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>Records several actions, in order; implementations may write them in fewer round trips than one each.</summary>
    async Task RecordAllAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            await RecordAsync(record, cancellationToken);
        }
    }

    /// <summary>Records of one app (or of every app when <paramref name="app"/> is null) between two instants, oldest first.</summary>
    IAsyncEnumerable<AuditRecord> QueryAsync(string? app, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
