using Blueshift.Domain.ChangeControl;

namespace Blueshift.Domain.Compliance;

/// <summary>An emergency change as recorded: when it started and when its follow-ups happened (if they did).</summary>
public sealed record EmergencyChangeRecord(string ReleaseId, DateTimeOffset StartedAt, DateTimeOffset? PostHocApprovalAt, DateTimeOffset? RetrospectiveAt);

public sealed record OverdueEmergencyChange(string ReleaseId, EmergencyFollowUpResult FollowUp);

public static class EmergencyApprovalAudit
{
    /// <summary>The emergency changes whose post-hoc approval or retrospective is overdue.</summary>
    public static IReadOnlyList<OverdueEmergencyChange> FindOverdue(IEnumerable<EmergencyChangeRecord> changes, DateTimeOffset now, ApprovalPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(policy);
        return changes
            .Select(c => new OverdueEmergencyChange(c.ReleaseId, EmergencyFollowUp.Evaluate(c.StartedAt, c.PostHocApprovalAt, c.RetrospectiveAt, now, policy)))
            .Where(c => c.FollowUp.IsOverdue)
            .ToList();
    }
}

/// <summary>
/// How long a release may stay in one phase before it counts as stuck. Phase names are the release engine's; they are
/// compared case-insensitively. Phases waiting on people (approval, a window) deserve longer timeouts than machine steps.
/// </summary>
public sealed record StuckReleasePolicy
{
    public static StuckReleasePolicy Default { get; } = new();

    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromHours(2);

    public IReadOnlyDictionary<string, TimeSpan> PhaseTimeouts { get; init; } = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Phases a release never leaves; a release in one of them is finished, not stuck.</summary>
    public IReadOnlySet<string> TerminalPhases { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Succeeded", "Completed", "Failed", "RolledBack", "Cancelled", "Aborted",
    };

    public TimeSpan TimeoutFor(string phase) =>
        PhaseTimeouts.FirstOrDefault(p => string.Equals(p.Key, phase, StringComparison.OrdinalIgnoreCase)) is { Key: not null } match
            ? match.Value
            : DefaultTimeout;
}

public sealed record StuckReleaseCheck(string ReleaseId, string Phase, bool Stuck, TimeSpan InPhaseFor, TimeSpan? Timeout, string Reason);

public static class StuckReleases
{
    public static StuckReleaseCheck Evaluate(string releaseId, string phase, DateTimeOffset phaseEnteredAt, DateTimeOffset now, StuckReleasePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var inPhase = now - phaseEnteredAt;
        if (policy.TerminalPhases.Contains(phase))
        {
            return new StuckReleaseCheck(releaseId, phase, false, inPhase, null, $"Release {releaseId} is finished ({phase}).");
        }
        var timeout = policy.TimeoutFor(phase);
        return inPhase > timeout
            ? new StuckReleaseCheck(releaseId, phase, true, inPhase, timeout,
                $"Release {releaseId} has been in phase {phase} for {Durations.Format(inPhase)} since {phaseEnteredAt:u}, over its timeout of {Durations.Format(timeout)}.")
            : new StuckReleaseCheck(releaseId, phase, false, inPhase, timeout,
                $"Release {releaseId} has been in phase {phase} for {Durations.Format(inPhase)} (timeout {Durations.Format(timeout)}).");
    }
}
