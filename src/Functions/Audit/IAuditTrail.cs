using System.Globalization;

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

/// <summary>An audit record with the identity its writer fixed for it, so that writing it again adds nothing.</summary>
/// <param name="Id">
/// The same every time the writer writes this record (a re-run activity, a retry, a replay) and different for every other
/// record: an orchestration derives it from its instance and the record's place in its history. Letters, digits, '-' and
/// '_', at most <see cref="MaxIdLength"/> characters.
/// </param>
public sealed record IdentifiedAuditRecord(string Id, AuditRecord Record)
{
    public const int MaxIdLength = 128;

    /// <summary>
    /// Identifies records written together as one group: record <c>i</c> is <c>{group}-{i}</c>, the numbers zero-padded to
    /// one width so that they sort in the given order.
    /// </summary>
    public static IReadOnlyList<IdentifiedAuditRecord> Numbered(string group, IReadOnlyList<AuditRecord> records)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(records);
        var digits = "D" + Math.Max(3, (records.Count - 1).ToString(CultureInfo.InvariantCulture).Length).ToString(CultureInfo.InvariantCulture);
        return [.. records.Select((record, i) => new IdentifiedAuditRecord($"{group}-{i.ToString(digits, CultureInfo.InvariantCulture)}", record))];
    }

    /// <summary>Whether <paramref name="id"/> may identify a record (see <see cref="Id"/>).</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

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

    /// <summary>
    /// Records actions whose identities the caller fixed, each at most once however often it is written: a record already
    /// in the trail (written before, or concurrently by another writer) counts as written, and the others of the call are
    /// still written. Append-only stays: a record whose identity is taken by a record with other content is refused with
    /// <see cref="AuditIdentityConflictException"/>, and nothing is overwritten.
    /// </summary>
    /// <exception cref="ArgumentException">An identity is invalid (<see cref="IdentifiedAuditRecord.IsValidId"/>) or appears twice in the call.</exception>
    Task RecordOnceAsync(IReadOnlyList<IdentifiedAuditRecord> records, CancellationToken cancellationToken);

    /// <summary>Records of one app (or of every app when <paramref name="app"/> is null) between two instants, oldest first.</summary>
    IAsyncEnumerable<AuditRecord> QueryAsync(string? app, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>
/// A record's identity is already taken by a record with other content: the writer gave two records one identity (a bug),
/// and the trail keeps the first rather than overwrite it.
/// </summary>
public sealed class AuditIdentityConflictException(string id, string message) : InvalidOperationException(message)
{
    /// <summary>The identity both records claim.</summary>
    public string Id { get; } = id;
}
