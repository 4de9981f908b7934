using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;

namespace Blueshift.Functions.Compliance.RestoreTest;

/// <summary>
/// The names the restore test's activities are registered under: the names the task hub records in every instance's
/// history, so renaming one breaks restore tests in flight.
/// </summary>
internal static class RestoreTestActivityNames
{
    public const string FindBackup = "RestoreTestFindBackup";
    public const string FindSlot = "RestoreTestFindSlot";
    public const string StartRestore = "RestoreTestStartRestore";
    public const string PollRestore = "RestoreTestPollRestore";
    public const string StartSlot = "RestoreTestStartSlot";
    public const string Probe = "RestoreTestProbe";
    public const string CleanUp = "RestoreTestCleanUp";
    public const string Record = "RestoreTestRecord";
}

/// <summary>The kinds of the restore test's observations (findings of the <c>restore-test</c> job).</summary>
public static class RestoreTestKinds
{
    /// <summary>The app has no successful backup to restore.</summary>
    public const string NoBackup = "restore-test.no-backup";

    /// <summary>The restore operation failed or timed out, or the restored slot never answered its health check.</summary>
    public const string Failed = "restore-test.failed";

    /// <summary>The restored slot became healthy, later than the RTO allows.</summary>
    public const string RtoBreach = "restore-test.rto-breach";

    /// <summary>The DR slot is production (or the staging slot, or unnamed): the test refused to restore into it.</summary>
    public const string Refused = "restore-test.refused";

    /// <summary>The app has no deployment slot of the DR slot's name to restore into.</summary>
    public const string NoDrSlot = "restore-test.no-dr-slot";

    /// <summary>The DR slot could not be reset after the test: it may still run production's restored content.</summary>
    public const string CleanupFailed = "restore-test.cleanup-failed";
}

/// <summary>The app's deployment slot a restore test restores into (never production; every activity checks).</summary>
public sealed record DrSlotRequest(ManagedApp App, string Slot);

/// <summary>Restore backup <paramref name="BackupId"/> of the app into its DR slot.</summary>
public sealed record RestoreStart(ManagedApp App, string Slot, long BackupId);

/// <summary>The newest successful backup of an app, or none (<paramref name="BackupId"/> null), and what the list held.</summary>
/// <param name="Listed">How many backups the app has.</param>
/// <param name="Succeeded">How many of them succeeded.</param>
public sealed record BackupChoice(long? BackupId, string? Name, DateTimeOffset? CreatedAt, DateTimeOffset? FinishedAt, long? SizeInBytes, int Listed, int Succeeded);

/// <summary>What the restore test writes when it ends: its audit record (identified by the orchestration) and, when the test passed (no observations), the DR exercise.</summary>
public sealed record RestoreTestEvidence(string AuditId, AuditRecord Record, DrExercise? Exercise);

/// <summary>Where a restore test is (its custom status), for operators and tests.</summary>
/// <param name="Phase"><c>finding-backup</c>, <c>restoring</c>, <c>probing</c>, <c>cleaning-up</c>, <c>recording</c>.</param>
public sealed record RestoreTestProgress(string Phase, string Slot, long? BackupId, DateTimeOffset? RestoreStartedAt);
