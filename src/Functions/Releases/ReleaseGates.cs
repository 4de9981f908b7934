using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;

namespace Blueshift.Functions.Releases;

/// <summary>The change-control and deployment-window policies the release gates apply, and the names callers use for them.</summary>
internal sealed record ReleaseGatePolicies(ApprovalPolicy Approvals, DeploymentWindowPolicy Windows)
{
    public static ReleaseGatePolicies Default { get; } = new(ApprovalPolicy.Default, DeploymentWindowPolicy.Default);
}

internal static class ReleaseGates
{
    public static IReadOnlyList<string> ReleaseTypeNames { get; } = Enum.GetNames<ReleaseType>();

    public static IReadOnlyList<string> ChangeClassNames { get; } = Enum.GetNames<ChangeClass>();

    public static IReadOnlyList<string> ApprovalRoleNames { get; } =
        [ApprovalRoles.ChangeAdvisoryBoard, ApprovalRoles.TeamLead, ApprovalRoles.Manager, ApprovalRoles.Ciso, ApprovalRoles.Stakeholder];

    public static ReleaseType? ParseReleaseType(string? value) =>
        ReleaseTypeNames.FirstOrDefault(n => n.Equals(value, StringComparison.OrdinalIgnoreCase)) is { } name ? Enum.Parse<ReleaseType>(name) : null;

    public static ChangeClass? ParseChangeClass(string? value) =>
        ChangeClassNames.FirstOrDefault(n => n.Equals(value, StringComparison.OrdinalIgnoreCase)) is { } name ? Enum.Parse<ChangeClass>(name) : null;

    public static bool IsApprovalRole(string? role) => ApprovalRoleNames.Contains(role, StringComparer.OrdinalIgnoreCase);
}
