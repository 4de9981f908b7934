using System.Globalization;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Compliance;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The hourly governance check of one app's releases (seed 000 §7.4 and the release watchdog's phase timeouts), read from the
/// release index (newest first, back to <see cref="GovernanceOptions.Lookback"/>) and each release's orchestration:
/// <list type="bullet">
/// <item><c>governance.post-hoc-approval-overdue</c> / <c>governance.retrospective-overdue</c>: an emergency change that went
/// ahead (its orchestration audited <c>release.post-hoc-approval-owed</c> when its emergency approvals were in; that instant
/// starts the clock) has no approval in a post-hoc role (<c>release.post-hoc-approved</c>, or one granted before it went ahead)
/// within 24 h, or no retrospective (<c>release.retrospective-recorded</c>, <c>POST /api/releases/{id}/retrospective</c>)
/// within a week (<see cref="ApprovalPolicy"/>).</item>
/// <item><c>governance.approval-overdue</c>: a running release still awaits its approvals past its own approval timeout.</item>
/// <item><c>governance.release-stuck</c>: a running release stays in any other phase past the timeout of
/// <see cref="GovernanceOptions"/> (its own watchdog should have ended it).</item>
/// </list>
/// The subject is the release id. Time is the <c>now</c> the job passes.
/// </summary>
/// <remarks>
/// Releases are read through the Durable client: the function that runs this check passes its <c>[DurableClient]</c> with
/// <see cref="ComplianceDurableClient.Use"/>; otherwise <see cref="DurableClientAccessor"/> answers (the host's registered
/// client: the local host, tests).
/// </remarks>
internal sealed class GovernanceCheck(
    ReleaseRegistry registry,
    DurableClientAccessor clients,
    IAuditTrail audit,
    ReleaseGatePolicies gates,
    IOptions<GovernanceOptions> options) : IComplianceCheck
{
    public const string PostHocApprovalOverdueKind = "governance.post-hoc-approval-overdue";
    public const string RetrospectiveOverdueKind = "governance.retrospective-overdue";
    public const string ApprovalOverdueKind = "governance.approval-overdue";
    public const string ReleaseStuckKind = "governance.release-stuck";

    /// <summary>Audited by the release orchestration when an emergency change's emergency approvals are in and it goes ahead.</summary>
    public const string PostHocApprovalOwedAction = "release.post-hoc-approval-owed";

    /// <summary>Audited by the releases API for an approval granted after an emergency change went ahead.</summary>
    public const string PostHocApprovedAction = "release.post-hoc-approved";

    public ComplianceJob Job => ComplianceJob.Governance;

    public async Task<IReadOnlyList<Observation>> CheckAsync(ManagedApp app, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = options.Value;
        var stuckPolicy = settings.ToStuckReleasePolicy();
        var observations = new List<Observation>();
        var emergencies = new List<(ReleaseView View, IReadOnlyList<ApprovalView> Approvals)>();
        var client = ComplianceDurableClient.Current ?? clients.Current;

        foreach (var id in await registry.ListIdsAsync(app.Name, null, settings.MaxReleasesPerApp, cancellationToken))
        {
            var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
            if (instance is null || !string.Equals(instance.Name, ReleaseOrchestrationFunctions.ReleaseOrchestration, StringComparison.Ordinal)
                || instance.ReadInputAs<ReleaseInput>() is not { } input)
            {
                continue;
            }
            var view = ReleaseViews.From(instance);
            if (view.CreatedAt < now - settings.Lookback)
            {
                break; // newest first: the rest are older still
            }
            if (ReleaseGates.ParseChangeClass(input.ChangeClass) == ChangeClass.Emergency)
            {
                emergencies.Add((view, view.Approvals));
            }
            var running = instance.IsRunning || instance.RuntimeStatus == OrchestrationRuntimeStatus.Pending;
            if (!running || !Enum.TryParse<ReleasePhase>(view.Phase, out var phase) || ReleasePhases.IsTerminal(phase))
            {
                continue;
            }
            var progress = instance.SerializedCustomStatus is { Length: > 0 } ? instance.ReadCustomStatusAs<ReleaseProgress>() : null;
            var enteredAt = progress?.PhaseEnteredAt ?? (phase == ReleasePhase.AwaitingApproval ? view.CreatedAt : instance.LastUpdatedAt);
            if (phase == ReleasePhase.AwaitingApproval)
            {
                var timeout = input.Policy.Timeouts.Approval;
                if (now - enteredAt > timeout)
                {
                    observations.Add(new Observation(ApprovalOverdueKind, id, FindingSeverity.Medium,
                        $"Release {id} ({input.Version}, {input.ReleaseType} {input.ChangeClass} change) has awaited its approvals since {enteredAt:u}, " +
                        $"{Durations(now - enteredAt)}, past its approval timeout of {Durations(timeout)}. Approve or abort it.",
                        Evidence(id, view, phase, enteredAt, now, timeout)));
                }
                continue;
            }
            var stuck = StuckReleases.Evaluate(id, phase.ToString(), enteredAt, now, stuckPolicy);
            if (stuck.Stuck)
            {
                observations.Add(new Observation(ReleaseStuckKind, id, FindingSeverity.High,
                    $"{stuck.Reason} Check the release's orchestration; abort or roll it back.",
                    Evidence(id, view, phase, enteredAt, now, stuck.Timeout)));
            }
        }

        if (emergencies.Count > 0)
        {
            observations.AddRange(await EmergencyFollowUpsAsync(app, emergencies, now, cancellationToken));
        }
        return observations;
    }

    private async Task<IEnumerable<Observation>> EmergencyFollowUpsAsync(
        ManagedApp app, List<(ReleaseView View, IReadOnlyList<ApprovalView> Approvals)> emergencies, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var policy = gates.Approvals;
        var ids = emergencies.Select(e => e.View.Id).ToHashSet(StringComparer.Ordinal);
        var owed = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var postHoc = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var retrospective = new Dictionary<string, (DateTimeOffset At, string? Link)>(StringComparer.Ordinal);
        var from = emergencies.Min(e => e.View.CreatedAt) - TimeSpan.FromMinutes(5);
        await foreach (var record in audit.QueryAsync(app.Name, from, now, cancellationToken))
        {
            if (record.ReleaseId is not { } id || !ids.Contains(id))
            {
                continue;
            }
            switch (record.Action)
            {
                case PostHocApprovalOwedAction:
                    owed.TryAdd(id, record.At);
                    break;
                case PostHocApprovedAction when IsPostHocRole(policy, record.Details?.GetValueOrDefault("role")):
                    postHoc.TryAdd(id, record.At);
                    break;
                case RetrospectiveEndpoints.AuditAction:
                    retrospective.TryAdd(id, (record.At, record.Details?.GetValueOrDefault("link")));
                    break;
            }
        }

        var changes = new List<EmergencyChangeRecord>();
        foreach (var (view, approvals) in emergencies)
        {
            if (!owed.TryGetValue(view.Id, out var startedAt))
            {
                continue; // never went ahead: nothing changed, nothing owed
            }
            // A post-hoc role may also have approved while the change still awaited its emergency approvals.
            var earlier = approvals.Where(a => IsPostHocRole(policy, a.Role)).Select(a => (DateTimeOffset?)a.At).Min();
            var approvedAt = (postHoc.TryGetValue(view.Id, out var at) ? at : (DateTimeOffset?)null, earlier) switch
            {
                ({ } a, { } b) => a < b ? a : b,
                (var a, var b) => a ?? b,
            };
            changes.Add(new EmergencyChangeRecord(view.Id, startedAt, approvedAt, retrospective.TryGetValue(view.Id, out var retro) ? retro.At : null));
        }

        var observations = new List<Observation>();
        foreach (var overdue in EmergencyApprovalAudit.FindOverdue(changes, now, policy))
        {
            var change = changes.First(c => c.ReleaseId == overdue.ReleaseId);
            foreach (var item in overdue.FollowUp.Items.Where(i => i.State == FollowUpState.Overdue))
            {
                var evidence = new Dictionary<string, string>
                {
                    ["releaseId"] = overdue.ReleaseId,
                    ["emergencyStartedAt"] = Iso(change.StartedAt),
                    ["dueAt"] = Iso(item.DueAt),
                    ["checkedAt"] = Iso(now),
                };
                observations.Add(item.Item == FollowUpItem.PostHocApproval
                    ? new Observation(PostHocApprovalOverdueKind, overdue.ReleaseId, FindingSeverity.High,
                        $"Emergency change {overdue.ReleaseId} went ahead at {change.StartedAt:u} without a post-hoc approval by {string.Join(" or ", policy.PostHocRoles)}: {item.Reason}",
                        evidence)
                    : new Observation(RetrospectiveOverdueKind, overdue.ReleaseId, FindingSeverity.Medium,
                        $"Emergency change {overdue.ReleaseId} went ahead at {change.StartedAt:u} and has no retrospective recorded: {item.Reason} Record it with POST /api/releases/{overdue.ReleaseId}/retrospective.",
                        evidence));
            }
        }
        return observations;
    }

    private static bool IsPostHocRole(ApprovalPolicy policy, string? role) =>
        role is not null && policy.PostHocRoles.Contains(role, StringComparer.OrdinalIgnoreCase);

    private static Dictionary<string, string> Evidence(string id, ReleaseView view, ReleasePhase phase, DateTimeOffset enteredAt, DateTimeOffset now, TimeSpan? timeout)
    {
        var evidence = new Dictionary<string, string>
        {
            ["releaseId"] = id,
            ["version"] = view.Version,
            ["changeClass"] = view.ChangeClass,
            ["phase"] = phase.ToString(),
            ["phaseEnteredAt"] = Iso(enteredAt),
            ["checkedAt"] = Iso(now),
        };
        if (timeout is { } t)
        {
            evidence["timeout"] = t.ToString("c", CultureInfo.InvariantCulture);
        }
        return evidence;
    }

    private static string Iso(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static string Durations(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays} d {span.Hours} h" : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{Math.Max(0, (int)span.TotalMinutes)} min";
}
