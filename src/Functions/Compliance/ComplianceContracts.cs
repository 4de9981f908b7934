using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// Blueshift's scheduled compliance jobs (seed 000 §8.3, §10.4, §11; seed 001's drift checks; the emergency follow-ups of
/// §7.4). Each runs from a timer on the schedule in its app setting (<see cref="ComplianceJobs.ScheduleSetting"/>) and fans
/// out over the managed apps through the job orchestration, one check per app.
/// </summary>
public enum ComplianceJob
{
    /// <summary>Hourly: the newest successful backup is younger than the RPO.</summary>
    BackupRpo,

    /// <summary>Weekly: the newest backup exists, succeeded, has a size and its blob is readable.</summary>
    BackupVerification,

    /// <summary>Monthly: the newest backup restores into the DR slot and is healthy within the RTO.</summary>
    RestoreTest,

    /// <summary>Daily: the quarterly tabletop exercise and the yearly full DR test are recorded in time.</summary>
    DrReminders,

    /// <summary>Daily: the Key Vault secrets apps reference are rotated in time and not about to expire.</summary>
    SecretRotation,

    /// <summary>Daily: production matches the declared settings and the staging slot; no routing left on without a release.</summary>
    ConfigDrift,

    /// <summary>Hourly: emergency follow-ups, approvals past their timeout, releases past their phase timeout.</summary>
    Governance,
}

/// <summary>The fixed facts of each job: the names its timer and its findings use, and its default schedule.</summary>
public static class ComplianceJobs
{
    public static IReadOnlyList<ComplianceJob> All { get; } = Enum.GetValues<ComplianceJob>();

    /// <summary>The job's name in routes, findings and settings: kebab case (<c>backup-rpo</c>, <c>secret-rotation</c>…).</summary>
    public static string Name(ComplianceJob job) => job switch
    {
        ComplianceJob.BackupRpo => "backup-rpo",
        ComplianceJob.BackupVerification => "backup-verification",
        ComplianceJob.RestoreTest => "restore-test",
        ComplianceJob.DrReminders => "dr-reminders",
        ComplianceJob.SecretRotation => "secret-rotation",
        ComplianceJob.ConfigDrift => "config-drift",
        ComplianceJob.Governance => "governance",
        _ => throw new ArgumentOutOfRangeException(nameof(job), job, null),
    };

    public static bool TryParse(string? name, out ComplianceJob job)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(Name(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                job = candidate;
                return true;
            }
        }
        job = default;
        return false;
    }

    /// <summary>The app setting that holds the job's NCRONTAB schedule (six fields, UTC), as the timer attribute names it.</summary>
    public static string ScheduleSetting(ComplianceJob job) => $"Blueshift:Compliance:Schedules:{job}";

    /// <summary>The schedule a deployment gets unless it sets <see cref="ScheduleSetting"/> (from the seed's cadences).</summary>
    public static string DefaultSchedule(ComplianceJob job) => job switch
    {
        ComplianceJob.BackupRpo => "0 5 * * * *",            // hourly, at :05
        ComplianceJob.BackupVerification => "0 0 3 * * 0",   // weekly, Sunday 03:00
        ComplianceJob.RestoreTest => "0 0 4 1 * *",          // monthly, the 1st at 04:00
        ComplianceJob.DrReminders => "0 0 6 * * *",          // daily, 06:00
        ComplianceJob.SecretRotation => "0 30 2 * * *",      // daily, 02:30
        ComplianceJob.ConfigDrift => "0 0 2 * * *",          // daily, 02:00
        ComplianceJob.Governance => "0 15 * * * *",          // hourly, at :15
        _ => throw new ArgumentOutOfRangeException(nameof(job), job, null),
    };
}

/// <summary>How bad a finding is; a finding whose severity rises is escalated (and notified again).</summary>
public enum FindingSeverity
{
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>
/// One violation a job's check sees for an app now. <see cref="Kind"/> and <see cref="Subject"/> identify the finding it
/// opens or keeps open: the same kind and subject on the next run is the same finding (last seen moves on), and a finding
/// of the job that the next complete check of the app no longer observes is resolved.
/// </summary>
/// <param name="Kind">Stable, kebab case, starting with the job's name: <c>backup-rpo.breach</c>, <c>secret-rotation.overdue</c>.</param>
/// <param name="Subject">What in the app it is about (a secret's name, a setting's name, a release id); empty for the app itself.</param>
/// <param name="Summary">One sentence for people, with the measured values and the threshold. Never a secret's value.</param>
/// <param name="Evidence">Measured facts (times, ids, sizes, statuses, probe results). Never a secret's value.</param>
public sealed record Observation(
    string Kind,
    string Subject,
    FindingSeverity Severity,
    string Summary,
    IReadOnlyDictionary<string, string> Evidence);

/// <summary>
/// One job's check of one app: reads what it needs (ARM through the emulator in tests, Key Vault, Blueshift's own tables)
/// and returns what violates the policy. It changes nothing. It may run more than once for the same run (activities run at
/// least once). When it cannot tell (ARM keeps failing, say), it throws: the app's open findings then stay as they are.
/// </summary>
public interface IComplianceCheck
{
    ComplianceJob Job { get; }

    Task<IReadOnlyList<Observation>> CheckAsync(ManagedApp app, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A DR exercise done (by people, or by Blueshift's own automated tests), as <c>POST /api/compliance/dr-exercises</c> records it.</summary>
/// <param name="App">The app it covered; null for an exercise that covered every app.</param>
/// <param name="RecordedBy">The caller who recorded it, or <c>blueshift</c>.</param>
public sealed record DrExercise(
    DrActivity Activity,
    string? App,
    DateTimeOffset PerformedAt,
    string PerformedBy,
    Uri? EvidenceLink,
    string RecordedBy,
    DateTimeOffset RecordedAt);

/// <summary>Where DR exercises are kept (a table); the reminders job reads the latest of each activity.</summary>
public interface IDrExerciseStore
{
    Task RecordAsync(DrExercise exercise, CancellationToken cancellationToken);

    /// <summary>The latest performance of each activity that counts for <paramref name="app"/>: its own, or one that covered every app.</summary>
    Task<IReadOnlyDictionary<DrActivity, DateTimeOffset>> LatestAsync(string app, CancellationToken cancellationToken);
}

/// <summary>The names the compliance orchestrations are registered under (recorded in every instance's history).</summary>
public static class ComplianceOrchestrationNames
{
    /// <summary>The restore test of one app: a sub-orchestration of the restore-test job, input <see cref="RestoreTestRequest"/>, output the observations (a list of <see cref="Observation"/>).</summary>
    public const string RestoreTest = "RunRestoreTest";
}

/// <summary>
/// The restore test's durations (<c>Blueshift:Compliance:RestoreTest</c>). Durable timers run in real time, so tests set
/// them to seconds; orchestrators read them from their input (<see cref="RestoreTestTimings"/>), never from configuration.
/// </summary>
public sealed class RestoreTestOptions
{
    public const string SectionName = "Blueshift:Compliance:RestoreTest";

    /// <summary>The slot a restore test restores into when the app names none (<see cref="AppComplianceSettings.DrSlot"/>).</summary>
    public string DefaultDrSlot { get; set; } = "dr";

    /// <summary>How long the restore operation may run before the test fails.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How often the restore operation is polled.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the restored slot may take to answer its health check once the restore finished.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the restored slot's health check is probed.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The recovery time objective the measured time is held against (seed 000 §11.1: 4 h).</summary>
    public TimeSpan Rto { get; set; } = BackupPolicy.DefaultRto;

    public RestoreTestTimings ToTimings() => new(DefaultDrSlot, OperationTimeout, PollInterval, HealthTimeout, ProbeInterval, Rto);
}

/// <summary>The restore test's settings as its orchestration receives them.</summary>
public sealed record RestoreTestTimings(string DefaultDrSlot, TimeSpan OperationTimeout, TimeSpan PollInterval, TimeSpan HealthTimeout, TimeSpan ProbeInterval, TimeSpan Rto);

/// <summary>The input of <see cref="ComplianceOrchestrationNames.RestoreTest"/>.</summary>
/// <param name="RunId">The job run it belongs to (for audit and evidence).</param>
public sealed record RestoreTestRequest(ManagedApp App, string RunId, RestoreTestTimings Timings);
