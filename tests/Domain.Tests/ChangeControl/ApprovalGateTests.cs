using Blueshift.Domain.ChangeControl;

namespace Blueshift.Domain.Tests.ChangeControl;

public class ApprovalGateTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 16, 9, 0, 0, TimeSpan.Zero);
    private static readonly ApprovalPolicy Policy = ApprovalPolicy.Default;

    private static Approval A(string who, string role) => new(who, role, At, null);

    [Theory]
    [InlineData(ReleaseType.Major, ChangeClass.Normal, new[] { "cab" })]
    [InlineData(ReleaseType.Minor, ChangeClass.Normal, new[] { "team-lead" })]
    [InlineData(ReleaseType.Patch, ChangeClass.Normal, new[] { "manager" })]
    [InlineData(ReleaseType.Hotfix, ChangeClass.Normal, new[] { "manager", "ciso" })]
    [InlineData(ReleaseType.Major, ChangeClass.Standard, new string[0])]
    [InlineData(ReleaseType.Major, ChangeClass.Emergency, new[] { "manager", "stakeholder" })]
    [InlineData(ReleaseType.Hotfix, ChangeClass.Emergency, new[] { "manager", "stakeholder", "ciso" })]
    public void RequiredRoles_DefaultPolicy_MatchesSeed(ReleaseType type, ChangeClass changeClass, string[] expected)
    {
        Assert.Equal(expected, Policy.RequiredRoles(type, changeClass));
    }

    [Fact]
    public void Evaluate_AllRolesByOthers_Satisfied()
    {
        var result = ApprovalGate.Evaluate(ReleaseType.Hotfix, ChangeClass.Normal, "dev@contoso.com",
            [A("boss@contoso.com", "Manager"), A("sec@contoso.com", "CISO")], Policy);

        Assert.Equal(ApprovalStatus.Satisfied, result.Status);
        Assert.Empty(result.MissingRoles);
        Assert.Equal(2, result.CountedApprovals.Count);
        Assert.Contains("boss@contoso.com (manager)", result.Reason);
    }

    [Fact]
    public void Evaluate_MissingRole_ListsIt()
    {
        var result = ApprovalGate.Evaluate(ReleaseType.Hotfix, ChangeClass.Normal, "dev@contoso.com", [A("boss@contoso.com", "manager")], Policy);

        Assert.Equal(ApprovalStatus.MissingApprovals, result.Status);
        Assert.Equal(["ciso"], result.MissingRoles);
        Assert.Contains("ciso", result.Reason);
    }

    [Fact]
    public void Evaluate_RequesterApprovesOwnRelease_DoesNotCountAndReportsViolation()
    {
        var result = ApprovalGate.Evaluate(ReleaseType.Patch, ChangeClass.Normal, "Dev@Contoso.com", [A("dev@contoso.com", "manager")], Policy);

        Assert.Equal(ApprovalStatus.SeparationOfDutiesViolation, result.Status);
        Assert.Equal(["manager"], result.MissingRoles);
        Assert.Single(result.SelfApprovals);
        Assert.Empty(result.CountedApprovals);
        Assert.Contains("nobody approves their own release", result.Reason);
    }

    [Fact]
    public void Evaluate_SelfApprovalButOthersApproved_SatisfiedAndSelfApprovalReported()
    {
        var result = ApprovalGate.Evaluate(ReleaseType.Patch, ChangeClass.Normal, "dev",
            [A("dev", "manager"), A("boss", "manager")], Policy);

        Assert.Equal(ApprovalStatus.Satisfied, result.Status);
        Assert.Single(result.SelfApprovals);
        Assert.Equal("boss", Assert.Single(result.CountedApprovals).Approver);
    }

    [Fact]
    public void Evaluate_OnePersonInTwoRoles_CountsOnce()
    {
        var result = ApprovalGate.Evaluate(ReleaseType.Hotfix, ChangeClass.Normal, "dev",
            [A("boss", "manager"), A("boss", "ciso")], Policy);

        Assert.Equal(ApprovalStatus.MissingApprovals, result.Status);
        Assert.Single(result.MissingRoles);
        Assert.Contains("different person", result.Reason);
    }

    [Fact]
    public void Evaluate_PersonInTwoRolesWithAnotherApprover_MatchesBoth()
    {
        // "boss" could fill either role; the matching must give "sec" the CISO role and "boss" the manager role.
        var result = ApprovalGate.Evaluate(ReleaseType.Hotfix, ChangeClass.Normal, "dev",
            [A("boss", "ciso"), A("boss", "manager"), A("sec", "ciso")], Policy);

        Assert.Equal(ApprovalStatus.Satisfied, result.Status);
    }

    [Fact]
    public void Evaluate_StandardChange_SatisfiedWithoutApprovals()
    {
        var result = ApprovalGate.Evaluate(ReleaseType.Minor, ChangeClass.Standard, "dev", [], Policy);

        Assert.True(result.IsSatisfied);
        Assert.Contains("pre-approved", result.Reason);
    }

    [Fact]
    public void Evaluate_ConfiguredPolicy_UsesConfiguredRoles()
    {
        var policy = Policy with { StandardChangeRoles = [ApprovalRoles.TeamLead] };

        var result = ApprovalGate.Evaluate(ReleaseType.Minor, ChangeClass.Standard, "dev", [], policy);

        Assert.Equal(["team-lead"], result.MissingRoles);
    }

    [Fact]
    public void Validate_MissingReleaseType_Reported()
    {
        var policy = Policy with { RolesByReleaseType = new Dictionary<ReleaseType, IReadOnlyList<string>> { [ReleaseType.Major] = ["cab"] } };

        Assert.Equal(3, policy.Validate().Count);
    }
}

public class EmergencyFollowUpTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Evaluate_WithinDeadlines_OnTime()
    {
        var result = EmergencyFollowUp.Evaluate(Start, Start.AddHours(20), null, Start.AddDays(3));

        Assert.False(result.IsOverdue);
        Assert.Equal(FollowUpState.Done, result.Items[0].State);
        Assert.Equal(FollowUpState.Pending, result.Items[1].State);
        Assert.Equal(Start.AddDays(7), result.Items[1].DueAt);
    }

    [Fact]
    public void Evaluate_NoPostHocApprovalAfter24Hours_OverduePostHoc()
    {
        var result = EmergencyFollowUp.Evaluate(Start, null, null, Start.AddHours(25));

        Assert.True(result.IsOverdue);
        Assert.Equal([FollowUpItem.PostHocApproval], result.OverdueItems);
        Assert.Contains("1 h 0 min overdue", result.Summary);
    }

    [Fact]
    public void Evaluate_NoRetrospectiveAfterAWeek_OverdueBoth()
    {
        var result = EmergencyFollowUp.Evaluate(Start, null, null, Start.AddDays(8));

        Assert.Equal([FollowUpItem.PostHocApproval, FollowUpItem.Retrospective], result.OverdueItems);
    }

    [Fact]
    public void Evaluate_ApprovedLate_DoneLateNotOverdue()
    {
        var result = EmergencyFollowUp.Evaluate(Start, Start.AddHours(30), Start.AddDays(2), Start.AddDays(10));

        Assert.False(result.IsOverdue);
        Assert.Equal(FollowUpState.DoneLate, result.Items[0].State);
    }
}
