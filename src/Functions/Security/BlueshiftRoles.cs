namespace Blueshift.Functions.Security;

/// <summary>
/// The Entra ID app roles Blueshift understands. Approvers hold one role per kind of approval they may grant
/// (<c>Blueshift.Approver.CAB</c>, <c>Blueshift.Approver.Manager</c>, …); holding any of them makes the caller an
/// <see cref="Roles.Approver"/>. Other roles in a token are not Blueshift's business and are dropped.
/// </summary>
public static class BlueshiftRoles
{
    public const string ApproverPrefix = Roles.Approver + ".";

    /// <summary>The approvals of the change-control policy (ARCHITECTURE.md §4): who may sign off which release.</summary>
    public static readonly IReadOnlyList<string> ApprovalRoles = ["CAB", "TeamLead", "Manager", "CISO", "Stakeholder"];

    public static readonly IReadOnlyList<string> All =
        [Roles.Releaser, Roles.Approver, Roles.Admin, .. ApprovalRoles.Select(ForApproval)];

    public static string ForApproval(string approvalRole) => ApproverPrefix + approvalRole;

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);

    /// <summary>The canonical approval role named <paramref name="value"/> (case-insensitive), or null.</summary>
    public static string? CanonicalApprovalRole(string? value) =>
        value is null ? null : ApprovalRoles.FirstOrDefault(r => r.Equals(value, StringComparison.OrdinalIgnoreCase));

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
