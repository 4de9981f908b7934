using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The compliance jobs' timers: each starts its job's run on the schedule in its app setting
/// (<see cref="ComplianceJobs.ScheduleSetting"/>, <c>Blueshift__Compliance__Schedules__{Job}</c> in Azure), unless a run
/// of the job is still going.
/// </summary>
public sealed class ComplianceTimerFunctions(ComplianceJobRuns runs)
{
    [Function("ComplianceBackupRpo")]
    public Task ComplianceBackupRpo([TimerTrigger("%Blueshift:Compliance:Schedules:BackupRpo%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        runs.StartAsync(client, ComplianceJob.BackupRpo, cancellationToken);

    [Function("ComplianceBackupVerification")]
    public Task ComplianceBackupVerification([TimerTrigger("%Blueshift:Compliance:Schedules:BackupVerification%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        runs.StartAsync(client, ComplianceJob.BackupVerification, cancellationToken);

    [Function("ComplianceRestoreTest")]
    public Task ComplianceRestoreTest([TimerTrigger("%Blueshift:Compliance:Schedules:RestoreTest%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        runs.StartAsync(client, ComplianceJob.RestoreTest, cancellationToken);

    [Function("ComplianceDrReminders")]
    public Task ComplianceDrReminders([TimerTrigger("%Blueshift:Compliance:Schedules:DrReminders%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        runs.StartAsync(client, ComplianceJob.DrReminders, cancellationToken);

    [Function("ComplianceSecretRotation")]
    public Task ComplianceSecretRotation([TimerTrigger("%Blueshift:Compliance:Schedules:SecretRotation%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        runs.StartAsync(client, ComplianceJob.SecretRotation, cancellationToken);

    [Function("ComplianceConfigDrift")]
    public Task ComplianceConfigDrift([TimerTrigger("%Blueshift:Compliance:Schedules:ConfigDrift%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        runs.StartAsync(client, ComplianceJob.ConfigDrift, cancellationToken);

    [Function("ComplianceGovernance")]
    public Task ComplianceGovernance([TimerTrigger("%Blueshift:Compliance:Schedules:Governance%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        runs.StartAsync(client, ComplianceJob.Governance, cancellationToken);
}
