namespace Blueshift.Domain.ChangeControl;

/// <summary>Release types of seed 000 §4.2.</summary>
public enum ReleaseType
{
    Major,
    Minor,
    Patch,
    Hotfix,
}

/// <summary>Change classes of seed 000 §7.1.</summary>
public enum ChangeClass
{
    /// <summary>Pre-approved, low risk: no approval per release.</summary>
    Standard,

    /// <summary>Planned: the approvals of its release type.</summary>
    Normal,

    /// <summary>Critical fix: manager and stakeholder now, the board afterwards (post-hoc approval and retrospective).</summary>
    Emergency,
}

/// <summary>One person's approval of a release, in the role they approved as.</summary>
public sealed record Approval(string Approver, string Role, DateTimeOffset At, string? Comment);

/// <summary>The approval roles of the seeds. Roles are compared case-insensitively.</summary>
public static class ApprovalRoles
{
    public const string ChangeAdvisoryBoard = "cab";
    public const string TeamLead = "team-lead";
    public const string Manager = "manager";
    public const string Ciso = "ciso";
    public const string Stakeholder = "stakeholder";
}

/// <summary>
/// Who must approve what (seed 000 §4.2 and §7). A Normal change needs the roles of its release type. A Standard change is
/// pre-approved. An Emergency change needs <see cref="EmergencyRoles"/> now plus the roles of its release type except
/// <see cref="PostHocRoles"/>, which approve afterwards within <see cref="PostHocApprovalWithin"/>; the retrospective is due
/// within <see cref="RetrospectiveWithin"/>. Every required role must be filled by a different person, never the requester.
/// </summary>
public sealed record ApprovalPolicy
{
    public static ApprovalPolicy Default { get; } = new();

    public IReadOnlyDictionary<ReleaseType, IReadOnlyList<string>> RolesByReleaseType { get; init; } = new Dictionary<ReleaseType, IReadOnlyList<string>>
    {
        [ReleaseType.Major] = [ApprovalRoles.ChangeAdvisoryBoard],
        [ReleaseType.Minor] = [ApprovalRoles.TeamLead],
        [ReleaseType.Patch] = [ApprovalRoles.Manager],
        [ReleaseType.Hotfix] = [ApprovalRoles.Manager, ApprovalRoles.Ciso],
    };

    public IReadOnlyList<string> StandardChangeRoles { get; init; } = [];

    public IReadOnlyList<string> EmergencyRoles { get; init; } = [ApprovalRoles.Manager, ApprovalRoles.Stakeholder];

    public IReadOnlyList<string> PostHocRoles { get; init; } = [ApprovalRoles.ChangeAdvisoryBoard];

    public TimeSpan PostHocApprovalWithin { get; init; } = TimeSpan.FromHours(24);

    public TimeSpan RetrospectiveWithin { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The roles that must have approved before the release may start, each to be filled by a different person.</summary>
    public IReadOnlyList<string> RequiredRoles(ReleaseType releaseType, ChangeClass changeClass)
    {
        var byType = RolesByReleaseType.TryGetValue(releaseType, out var roles) ? roles : [];
        IEnumerable<string> required = changeClass switch
        {
            ChangeClass.Standard => StandardChangeRoles,
            ChangeClass.Normal => byType,
            ChangeClass.Emergency => EmergencyRoles.Concat(byType.Where(r => !PostHocRoles.Contains(r, StringComparer.OrdinalIgnoreCase))),
            _ => throw new ArgumentOutOfRangeException(nameof(changeClass), changeClass, "Unknown change class."),
        };
        return required.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var type in Enum.GetValues<ReleaseType>())
        {
            if (!RolesByReleaseType.ContainsKey(type))
            {
                problems.Add($"No approval roles configured for release type {type}; configure an empty list to require none.");
            }
        }
        if (PostHocApprovalWithin <= TimeSpan.Zero)
        {
            problems.Add($"PostHocApprovalWithin must be positive (got {PostHocApprovalWithin}).");
        }
        if (RetrospectiveWithin <= TimeSpan.Zero)
        {
            problems.Add($"RetrospectiveWithin must be positive (got {RetrospectiveWithin}).");
        }
        return problems;
    }
}
