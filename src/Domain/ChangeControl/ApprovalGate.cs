namespace Blueshift.Domain.ChangeControl;

public enum ApprovalStatus
{
    Satisfied,
    MissingApprovals,

    /// <summary>Roles are missing and the requester tried to fill at least one of them: separation of duties was violated.</summary>
    SeparationOfDutiesViolation,
}

public sealed record ApprovalGateResult(
    ApprovalStatus Status,
    IReadOnlyList<string> RequiredRoles,
    IReadOnlyList<string> MissingRoles,
    IReadOnlyList<Approval> CountedApprovals,
    IReadOnlyList<Approval> SelfApprovals,
    string Reason)
{
    public bool IsSatisfied => Status == ApprovalStatus.Satisfied;
}

public static class ApprovalGate
{
    public static ApprovalGateResult Evaluate(ReleaseType releaseType, ChangeClass changeClass, string requester, IReadOnlyList<Approval> approvals, ApprovalPolicy policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requester);
        ArgumentNullException.ThrowIfNull(approvals);
        ArgumentNullException.ThrowIfNull(policy);

        var required = policy.RequiredRoles(releaseType, changeClass);
        var selfApprovals = approvals.Where(a => SamePerson(a.Approver, requester)).ToList();
        var eligible = approvals
            .Where(a => !SamePerson(a.Approver, requester) && !string.IsNullOrWhiteSpace(a.Approver))
            .Where(a => required.Contains(a.Role, StringComparer.OrdinalIgnoreCase))
            .ToList();

        var assignment = AssignDistinctApprovers(required, eligible);
        var missing = required.Where(r => !assignment.ContainsKey(r)).ToList();
        var counted = assignment.Values.ToList();

        var selfNote = selfApprovals.Count == 0
            ? ""
            : $" {selfApprovals.Count} approval(s) by the requester {requester} ({string.Join(", ", selfApprovals.Select(a => a.Role))}) do not count: nobody approves their own release.";
        var what = $"A {changeClass.ToString().ToLowerInvariant()} {releaseType.ToString().ToLowerInvariant()} release";

        if (missing.Count == 0)
        {
            var reason = required.Count == 0
                ? $"{what} is pre-approved and needs no approval."
                : $"{what} is approved by " + string.Join(", ", required.Select(r => $"{assignment[r].Approver} ({r})")) + "." + selfNote;
            return new ApprovalGateResult(ApprovalStatus.Satisfied, required, missing, counted, selfApprovals, reason);
        }

        var sameRoleByOne = eligible.Count > 0 && missing.Any(r => eligible.Any(a => string.Equals(a.Role, r, StringComparison.OrdinalIgnoreCase)))
            ? " Each role must be approved by a different person."
            : "";
        var status = selfApprovals.Count > 0 ? ApprovalStatus.SeparationOfDutiesViolation : ApprovalStatus.MissingApprovals;
        return new ApprovalGateResult(status, required, missing, counted, selfApprovals,
            $"{what} still needs approval by: {string.Join(", ", missing)}.{sameRoleByOne}{selfNote}");
    }

    private static bool SamePerson(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Fills each required role with a different approver (a bipartite matching by augmenting paths), so that one person
    /// approving as both manager and CISO does not satisfy a two-person rule.
    /// </summary>
    private static Dictionary<string, Approval> AssignDistinctApprovers(IReadOnlyList<string> roles, IReadOnlyList<Approval> approvals)
    {
        var approvers = approvals.Select(a => a.Approver.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var roleOfApprover = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var approverOfRole = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        bool TryAssign(string role, HashSet<string> visited)
        {
            foreach (var approver in approvers)
            {
                var approved = approvals.Any(a => SamePerson(a.Approver, approver) && string.Equals(a.Role, role, StringComparison.OrdinalIgnoreCase));
                if (!approved || !visited.Add(approver))
                {
                    continue;
                }
                if (!roleOfApprover.TryGetValue(approver, out var otherRole) || TryAssign(otherRole, visited))
                {
                    roleOfApprover[approver] = role;
                    approverOfRole[role] = approver;
                    return true;
                }
            }
            return false;
        }

        foreach (var role in roles)
        {
            TryAssign(role, new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        }

        var result = new Dictionary<string, Approval>(StringComparer.OrdinalIgnoreCase);
        foreach (var (role, approver) in approverOfRole)
        {
            result[role] = approvals
                .Where(a => SamePerson(a.Approver, approver) && string.Equals(a.Role, role, StringComparison.OrdinalIgnoreCase))
                .OrderBy(a => a.At)
                .First();
        }
        return result;
    }
}
