using System.Security.Cryptography;
using System.Text;

namespace Blueshift.Functions.Compliance;

/// <summary>Whether a finding still holds: open until a complete check of its job no longer observes it.</summary>
public enum FindingStatus
{
    Open,
    Resolved,
}

/// <summary>The last change the recorder made to a finding, and what it still owes for it (audit, notification).</summary>
public enum FindingChange
{
    Opened,
    Escalated,
    Reopened,
    Resolved,
}

/// <summary>
/// One compliance finding of one app, as the findings table keeps it: opened by a job's check, kept open while the check
/// observes it, resolved (never deleted) once it does not. Its evidence holds measured facts, never a secret's value.
/// </summary>
/// <param name="Job">The job's name (<see cref="ComplianceJobs.Name"/>) whose check observes it.</param>
/// <param name="LastChangeRunId">The run that made <paramref name="LastChange"/>; a re-run of that run finishes what it owes instead of changing it again.</param>
/// <param name="Notified">Whether the notification <paramref name="LastChange"/> calls for was delivered (resolutions call for none).</param>
public sealed record ComplianceFinding(
    string App,
    string Job,
    string Kind,
    string Subject,
    FindingSeverity Severity,
    string Summary,
    IReadOnlyDictionary<string, string> Evidence,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    DateTimeOffset? ResolvedAt,
    FindingStatus Status,
    string LastRunId,
    FindingChange LastChange,
    string LastChangeRunId,
    bool Notified)
{
    /// <summary>The finding's key within its app (the table's row key): see <see cref="FindingKeys.RowKey"/>.</summary>
    public string Id => FindingKeys.RowKey(Kind, Subject);

    /// <summary>Whether <see cref="LastChange"/> is one people are told about: a new, recurring or worse finding.</summary>
    public bool ChangeNeedsNotification => LastChange is FindingChange.Opened or FindingChange.Escalated or FindingChange.Reopened;
}

/// <summary>The keys of the findings table: partition = app, row = kind and subject, escaped into what Table keys allow.</summary>
public static class FindingKeys
{
    /// <summary>Row keys are at most 1 KiB; longer subjects keep a readable prefix and a hash of the whole.</summary>
    private const int MaxEscapedSubject = 400;

    /// <summary>
    /// <c>{kind}~{subject}</c> with every character but ASCII letters, digits, '-' and '.' written as <c>_XX</c> per UTF-8
    /// byte, so that the key never holds what Table keys forbid ('/', '\', '#', '?', control characters) and two different
    /// (kind, subject) pairs never share a key.
    /// </summary>
    public static string RowKey(string kind, string subject)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(subject);
        var escapedSubject = Escape(subject);
        if (escapedSubject.Length > MaxEscapedSubject)
        {
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))[..32];
            escapedSubject = escapedSubject[..(MaxEscapedSubject - 34)] + "_~" + hash;
        }
        return Escape(kind) + "~" + escapedSubject;
    }

    public static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('_').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }
}

/// <summary>What the findings API filters on; null matches everything.</summary>
public sealed record FindingQuery(string? App = null, string? Kind = null, FindingStatus? Status = null, string? Job = null);

/// <summary>One page of findings; <paramref name="ContinuationToken"/> asks for the next one (null: that was the last).</summary>
public sealed record FindingPage(IReadOnlyList<ComplianceFinding> Findings, string? ContinuationToken);

/// <summary>Where findings are kept.</summary>
public interface IComplianceFindingStore
{
    /// <summary>Every finding (open or resolved) of one job for one app.</summary>
    Task<IReadOnlyList<ComplianceFinding>> ListAsync(string app, string job, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the finding.</summary>
    Task SaveAsync(ComplianceFinding finding, CancellationToken cancellationToken);

    /// <summary>A page of findings matching <paramref name="query"/>, by app then kind and subject.</summary>
    /// <exception cref="FormatException"><paramref name="continuationToken"/> is not one this store gave out.</exception>
    Task<FindingPage> QueryAsync(FindingQuery query, string? continuationToken, int pageSize, CancellationToken cancellationToken);
}
