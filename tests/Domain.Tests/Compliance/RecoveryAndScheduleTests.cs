using Blueshift.Domain.Compliance;

namespace Blueshift.Domain.Tests.Compliance;

public class RecoveryObjectivesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(30, true)]
    [InlineData(60, true)]
    [InlineData(61, false)]
    public void CheckRpo_BackupAge_CompliantWithinOneHour(int minutesOld, bool compliant)
    {
        var check = RecoveryObjectives.CheckRpo(Now.AddMinutes(-minutesOld), Now, BackupPolicy.Default);

        Assert.Equal(compliant, check.Compliant);
        Assert.Equal(TimeSpan.FromMinutes(minutesOld), check.BackupAge);
        Assert.Equal(TimeSpan.FromHours(1), check.Rpo);
    }

    [Fact]
    public void CheckRpo_Breach_ReasonStatesAge()
    {
        var check = RecoveryObjectives.CheckRpo(Now.AddMinutes(-150), Now, BackupPolicy.Default);

        Assert.Contains("2 h 30 min old", check.Reason);
        Assert.Contains("breach", check.Reason);
    }

    [Fact]
    public void CheckRpo_NoBackup_Breach()
    {
        var check = RecoveryObjectives.CheckRpo(null, Now, BackupPolicy.Default);

        Assert.False(check.Compliant);
        Assert.Contains("no successful backup", check.Reason);
    }

    [Fact]
    public void CheckRpo_BackupStampedInFuture_NotCompliant()
    {
        Assert.False(RecoveryObjectives.CheckRpo(Now.AddMinutes(10), Now, BackupPolicy.Default).Compliant);
    }

    [Fact]
    public void CheckRpo_ConfiguredRpo_Applied()
    {
        Assert.True(RecoveryObjectives.CheckRpo(Now.AddHours(-3), Now, BackupPolicy.Default with { Rpo = TimeSpan.FromHours(4) }).Compliant);
        Assert.Equal(TimeSpan.FromHours(4), new BackupPolicy(Rpo: TimeSpan.FromMinutes(15)).Rto);
    }

    [Theory]
    [InlineData(239, true, true)]
    [InlineData(240, true, true)]
    [InlineData(241, true, false)]
    [InlineData(10, false, false)]
    public void CheckRto_RestoreDuration_CompliantWithinFourHours(int minutes, bool succeeded, bool compliant)
    {
        var check = RecoveryObjectives.CheckRto(TimeSpan.FromMinutes(minutes), succeeded, BackupPolicy.Default);

        Assert.Equal(compliant, check.Compliant);
        Assert.Equal(TimeSpan.FromHours(4), check.Rto);
    }
}

public class DrScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Evaluate_MixedHistory_EachActivityJudged()
    {
        var lastDone = new Dictionary<DrActivity, DateTimeOffset>
        {
            [DrActivity.BackupVerification] = Now.AddDays(-2),
            [DrActivity.RestoreTest] = Now.AddMonths(-1).AddDays(-1),
            [DrActivity.TabletopExercise] = Now.AddMonths(-3).AddDays(2),
        };

        var items = DrSchedule.Evaluate(lastDone, Now, DrSchedulePolicy.Default).ToDictionary(i => i.Activity);

        Assert.Equal(DueStatus.Ok, items[DrActivity.BackupVerification].Status);
        Assert.Equal(Now.AddDays(5), items[DrActivity.BackupVerification].DueAt);
        Assert.Equal(DueStatus.Overdue, items[DrActivity.RestoreTest].Status);
        Assert.Contains("1 d 0 h overdue", items[DrActivity.RestoreTest].Reason);
        Assert.Equal(DueStatus.Overdue, items[DrActivity.FullDrTest].Status);
        Assert.Contains("never been done", items[DrActivity.FullDrTest].Reason);
        Assert.Equal(DrTaskKind.Reminder, items[DrActivity.FullDrTest].Kind);
        Assert.Equal(DueStatus.DueSoon, items[DrActivity.TabletopExercise].Status);
    }

    [Fact]
    public void Evaluate_Defaults_MatchSeed()
    {
        var entries = DrSchedulePolicy.Default.Entries.ToDictionary(e => e.Activity);

        Assert.Equal(Cadence.Weekly, entries[DrActivity.BackupVerification].Every);
        Assert.Equal(Cadence.Monthly, entries[DrActivity.RestoreTest].Every);
        Assert.Equal(Cadence.Yearly, entries[DrActivity.FullDrTest].Every);
        Assert.Equal(Cadence.Quarterly, entries[DrActivity.TabletopExercise].Every);
        Assert.Equal(DrTaskKind.Automated, entries[DrActivity.RestoreTest].Kind);
    }

    [Fact]
    public void CadenceAfter_MonthlyFromEndOfJanuary_EndOfFebruary()
    {
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 0, 0, 0, TimeSpan.Zero), Cadence.Monthly.After(new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero)));
    }
}
