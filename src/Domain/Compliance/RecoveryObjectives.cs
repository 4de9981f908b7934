namespace Blueshift.Domain.Compliance;

/// <summary>Recovery objectives of seed 000 §11.1: lose at most an hour of data, be back within four hours.</summary>
public sealed record BackupPolicy(TimeSpan Rpo = default, TimeSpan Rto = default)
{
    public static readonly TimeSpan DefaultRpo = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultRto = TimeSpan.FromHours(4);

    public static BackupPolicy Default { get; } = new();

    /// <summary>Recovery point objective: the newest successful backup may be at most this old; unset means one hour.</summary>
    public TimeSpan Rpo { get; init; } = Rpo == default ? DefaultRpo : Rpo;

    /// <summary>Recovery time objective: a restore test must finish within this; unset means four hours.</summary>
    public TimeSpan Rto { get; init; } = Rto == default ? DefaultRto : Rto;
}

public sealed record RpoCheck(bool Compliant, DateTimeOffset? LatestBackupAt, TimeSpan? BackupAge, TimeSpan Rpo, string Reason);

public sealed record RtoCheck(bool Compliant, TimeSpan Measured, TimeSpan Rto, string Reason);

public static class RecoveryObjectives
{
    public static RpoCheck CheckRpo(DateTimeOffset? latestSuccessfulBackupAt, DateTimeOffset now, BackupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (latestSuccessfulBackupAt is not { } latest)
        {
            return new RpoCheck(false, null, null, policy.Rpo, $"RPO breach: no successful backup is recorded (RPO {Durations.Format(policy.Rpo)}).");
        }
        var age = now - latest;
        if (age < TimeSpan.Zero)
        {
            // A backup stamped in the future means the clocks disagree; the age cannot be trusted, so it is not compliance.
            return new RpoCheck(false, latest, age, policy.Rpo, $"RPO unknown: the latest backup is stamped {latest:u}, after now ({now:u}); check the clocks.");
        }
        return age <= policy.Rpo
            ? new RpoCheck(true, latest, age, policy.Rpo, $"RPO met: the latest successful backup is {Durations.Format(age)} old (RPO {Durations.Format(policy.Rpo)}).")
            : new RpoCheck(false, latest, age, policy.Rpo, $"RPO breach: the latest successful backup ({latest:u}) is {Durations.Format(age)} old, over the RPO of {Durations.Format(policy.Rpo)}.");
    }

    public static RtoCheck CheckRto(TimeSpan measuredRestoreDuration, bool restoreSucceeded, BackupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!restoreSucceeded)
        {
            return new RtoCheck(false, measuredRestoreDuration, policy.Rto, $"RTO not demonstrated: the restore test failed after {Durations.Format(measuredRestoreDuration)}.");
        }
        return measuredRestoreDuration <= policy.Rto
            ? new RtoCheck(true, measuredRestoreDuration, policy.Rto, $"RTO met: the restore test took {Durations.Format(measuredRestoreDuration)} (RTO {Durations.Format(policy.Rto)}).")
            : new RtoCheck(false, measuredRestoreDuration, policy.Rto, $"RTO breach: the restore test took {Durations.Format(measuredRestoreDuration)}, over the RTO of {Durations.Format(policy.Rto)}.");
    }
}
