using Blueshift.Domain.ChangeControl;

namespace Blueshift.Functions.Security;

/// <summary>
/// The Entra ID app roles Blueshift understands. Approvers hold one role per kind of approval they may grant
/// (<c>Blueshift.Approver.CAB</c>, <c>Blueshift.Approver.Manager</c>, …); holding any of them makes the caller an
/// <see cref="Roles.Approver"/>. Other roles in a token are not Blueshift's business and are dropped.
/// </summary>
public static class BlueshiftRoles
{
    public const string ApproverPrefix = Roles.Approver + ".";

    /// <summary>The domain's approval roles (<see cref="ApprovalRoles"/>) and the Entra ID app role that lets a person grant each.</summary>
    private static readonly IReadOnlyList<(string Approval, string AppRoleSuffix)> ApprovalAppRoles =
    [
        (ApprovalRoles.ChangeAdvisoryBoard, "CAB"),
        (ApprovalRoles.TeamLead, "TeamLead"),
        (ApprovalRoles.Manager, "Manager"),
        (ApprovalRoles.Ciso, "CISO"),
        (ApprovalRoles.Stakeholder, "Stakeholder"),
    ];

    /// <summary>The approvals a release may need, as the change-control policy names them (<c>cab</c>, <c>team-lead</c>, …).</summary>
    public static readonly IReadOnlyList<string> ApprovalRoleNames = ApprovalAppRoles.Select(a => a.Approval).ToList();

    public static readonly IReadOnlyList<string> All =
        [Roles.Releaser, Roles.Approver, Roles.Admin, .. ApprovalAppRoles.Select(a => ApproverPrefix + a.AppRoleSuffix)];

    /// <summary>The Entra ID app role needed to grant the approval <paramref name="approvalRole"/> (a name from <see cref="ApprovalRoleNames"/>).</summary>
    public static string ForApproval(string approvalRole) =>
        ApproverPrefix + ApprovalAppRoles.First(a => a.Approval.Equals(approvalRole, StringComparison.OrdinalIgnoreCase)).AppRoleSuffix;

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);

    /// <summary>The policy's name of the approval <paramref name="value"/> names, either way it is spelled (<c>team-lead</c> or <c>TeamLead</c>); null when none.</summary>
    public static string? CanonicalApprovalRole(string? value) =>
        value is null
            ? null
            : ApprovalAppRoles.FirstOrDefault(a => a.Approval.Equals(value, StringComparison.OrdinalIgnoreCase) || a.AppRoleSuffix.Equals(value, StringComparison.OrdinalIgnoreCase)).Approval;

    /// <summary>Keeps Blueshift's roles (canonical spelling) and adds <see cref="Roles.Approver"/> to holders of an approval role.</summary>
    public static IReadOnlySet<string> Normalize(IEnumerable<string> roles)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            if (All.FirstOrDefault(r => r.Equals(role, StringComparison.OrdinalIgnoreCase)) is { } known)
            {
                result.Add(known);
                if (known.StartsWith(ApproverPrefix, StringComparison.Ordinal))
                {
                    result.Add(Roles.Approver);
                }
            }
        }
        return result;
    }

    /// <summary>Whether the caller may grant the approval <paramref name="approvalRole"/>. Admin alone does not: approving is a person's sign-off.</summary>
    public static bool MayGrant(Caller caller, string approvalRole) => caller.Roles.Contains(ForApproval(approvalRole));
}
