using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;

namespace Blueshift.Domain.Tests.Windows;

public class DeploymentWindowsTests
{
    private static readonly DeploymentWindowPolicy Policy = DeploymentWindowPolicy.Default;

    // The week of 16 November 2026: Monday 16 … Sunday 22.
    private static DateTimeOffset Utc(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(19, 22, 30, WindowStatus.Allowed)]   // Thursday release window
    [InlineData(20, 1, 59, WindowStatus.Allowed)]    // still inside, after midnight
    [InlineData(20, 2, 0, WindowStatus.Blocked)]     // window closed
    [InlineData(16, 23, 0, WindowStatus.Blocked)]    // Monday night: low traffic, not maintenance
    public void Evaluate_Major_OnlyInMaintenanceWindow(int day, int hour, int minute, WindowStatus expected)
    {
        var decision = DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, Utc(day, hour, minute), Policy);

        Assert.Equal(expected, decision.Status);
    }

    [Fact]
    public void Evaluate_MajorOutsideWindow_NextOpeningIsThursday22()
    {
        var decision = DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, Utc(16, 10), Policy);

        Assert.Equal(WindowStatus.Blocked, decision.Status);
        Assert.Equal(Utc(19, 22), decision.NextOpening);
        Assert.Contains("2026-11-19 22:00:00Z", decision.Reason);
    }

    [Fact]
    public void Evaluate_MajorInsideWindow_OpenUntilWindowEnd()
    {
        var decision = DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, Utc(19, 23), Policy);

        Assert.Equal(Utc(20, 2), decision.OpenUntil);
    }

    [Theory]
    [InlineData(16, 23, WindowStatus.Allowed)]   // Monday night
    [InlineData(16, 12, WindowStatus.Blocked)]   // Monday noon: busy
    [InlineData(17, 23, WindowStatus.Blocked)]   // Tuesday night: code freeze
    [InlineData(18, 23, WindowStatus.Blocked)]   // Wednesday night: code freeze
    [InlineData(19, 22, WindowStatus.Allowed)]   // freeze ends at the Thursday release
    public void Evaluate_Minor_LowTrafficOutsideFreeze(int day, int hour, WindowStatus expected)
    {
        Assert.Equal(expected, DeploymentWindows.Evaluate(ReleaseType.Minor, ChangeClass.Normal, Utc(day, hour), Policy).Status);
    }

    [Fact]
    public void Evaluate_MinorDuringFreeze_BlockedWithFreezeReasonAndNextOpeningAtFreezeEnd()
    {
        var decision = DeploymentWindows.Evaluate(ReleaseType.Minor, ChangeClass.Normal, Utc(17, 23), Policy);

        Assert.Contains("code freeze", decision.Reason);
        Assert.Equal(Utc(19, 22), decision.NextOpening);
    }

    [Fact]
    public void Evaluate_PatchDuringDay_AllowedWithNotice()
    {
        var decision = DeploymentWindows.Evaluate(ReleaseType.Patch, ChangeClass.Normal, Utc(16, 12), Policy);

        Assert.True(decision.IsAllowed);
        Assert.True(decision.NoticeRequired);
        Assert.Equal(Utc(17, 17), decision.OpenUntil);
    }

    [Fact]
    public void Evaluate_PatchDuringFreeze_Blocked()
    {
        Assert.Equal(WindowStatus.Blocked, DeploymentWindows.Evaluate(ReleaseType.Patch, ChangeClass.Normal, Utc(18, 12), Policy).Status);
    }

    [Theory]
    [InlineData(ReleaseType.Hotfix, ChangeClass.Normal)]
    [InlineData(ReleaseType.Major, ChangeClass.Emergency)]
    public void Evaluate_HotfixOrEmergencyDuringFreeze_AllowedImmediately(ReleaseType type, ChangeClass changeClass)
    {
        var decision = DeploymentWindows.Evaluate(type, changeClass, Utc(18, 12), Policy);

        Assert.True(decision.IsAllowed);
        Assert.Contains("through the weekly code freeze", decision.Reason);
    }

    [Fact]
    public void Evaluate_OneOffFreeze_BlocksAndReopensAfterIt()
    {
        var policy = Policy with { Freezes = [new FreezePeriod(Utc(19, 0), Utc(27, 0), "Black Friday")] };

        var decision = DeploymentWindows.Evaluate(ReleaseType.Minor, ChangeClass.Normal, Utc(19, 23), policy);

        Assert.Equal(WindowStatus.Blocked, decision.Status);
        Assert.Contains("Black Friday", decision.Reason);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero), decision.NextOpening);
    }

    [Fact]
    public void Evaluate_WindowInCallerTimeZone_AppliedInLocalTime()
    {
        var cet = TimeZoneInfo.CreateCustomTimeZone("Test+01", TimeSpan.FromHours(1), "Test+01", "Test+01");
        var policy = Policy with { TimeZone = cet };

        // 21:30 UTC is 22:30 local on Thursday: inside the local maintenance window.
        Assert.True(DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, Utc(19, 21, 30), policy).IsAllowed);
        Assert.False(DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, Utc(19, 20, 30), policy).IsAllowed);
    }

    [Fact]
    public void Evaluate_WindowInSkippedDstHour_OpensAtFirstValidLocalTime()
    {
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
            DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 5, DayOfWeek.Sunday),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 3, 0, 0), 10, 5, DayOfWeek.Sunday));
        var cet = TimeZoneInfo.CreateCustomTimeZone("Test CET", TimeSpan.FromHours(1), "Test CET", "Test CET", "Test CEST", [rule]);
        var policy = Policy with
        {
            TimeZone = cet,
            MaintenanceWindows = [new WeeklyWindow(DayOfWeek.Sunday, new TimeOnly(2, 30), new TimeOnly(4, 0))],
        };

        // 29 March 2026: 02:00 local jumps to 03:00, so the 02:30 opening becomes 03:00 CEST (01:00 UTC).
        var beforeJump = DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.Zero), policy);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), beforeJump.NextOpening);

        // In summer 02:30 CEST is 00:30 UTC.
        Assert.True(DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, new DateTimeOffset(2026, 7, 5, 0, 45, 0, TimeSpan.Zero), policy).IsAllowed);
        Assert.False(DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, new DateTimeOffset(2026, 7, 5, 2, 0, 0, TimeSpan.Zero), policy).IsAllowed);
    }

    [Fact]
    public void Evaluate_NoWindowsConfigured_BlockedWithoutNextOpening()
    {
        var policy = Policy with { MaintenanceWindows = [] };

        var decision = DeploymentWindows.Evaluate(ReleaseType.Major, ChangeClass.Normal, Utc(19, 23), policy);

        Assert.Equal(WindowStatus.Blocked, decision.Status);
        Assert.Null(decision.NextOpening);
        Assert.Contains("No opening within 35 days", decision.Reason);
    }

    [Fact]
    public void Evaluate_InvalidFreeze_BlockedAndExplained()
    {
        var policy = Policy with { Freezes = [new FreezePeriod(Utc(20, 0), Utc(19, 0), "backwards")] };

        var decision = DeploymentWindows.Evaluate(ReleaseType.Patch, ChangeClass.Normal, Utc(16, 12), policy);

        Assert.Equal(WindowStatus.Blocked, decision.Status);
        Assert.Contains("invalid", decision.Reason);
    }

    [Fact]
    public void Evaluate_BlockedAnyTime_NextOpeningIsAllowed()
    {
        var start = Utc(16, 0);
        for (var minutes = 0; minutes < 7 * 24 * 60; minutes += 61)
        {
            var now = start.AddMinutes(minutes);
            foreach (var type in new[] { ReleaseType.Major, ReleaseType.Minor, ReleaseType.Patch })
            {
                var decision = DeploymentWindows.Evaluate(type, ChangeClass.Normal, now, Policy);
                if (decision.Status == WindowStatus.Blocked)
                {
                    Assert.NotNull(decision.NextOpening);
                    Assert.True(decision.NextOpening > now);
                    Assert.True(DeploymentWindows.Evaluate(type, ChangeClass.Normal, decision.NextOpening!.Value, Policy).IsAllowed);
                    Assert.False(DeploymentWindows.Evaluate(type, ChangeClass.Normal, decision.NextOpening!.Value.AddMinutes(-1), Policy).IsAllowed);
                }
            }
        }
    }
}
