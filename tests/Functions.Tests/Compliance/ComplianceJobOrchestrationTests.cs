using Blueshift.Functions.Compliance;
using Blueshift.Testing;
using Microsoft.DurableTask.Client;
using Xunit;
using Xunit.Abstractions;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>The backups-vs-RPO job end to end on the emulator and Azurite: seeded violations, compliant apps, fixes.</summary>
public sealed class ComplianceJobOrchestrationTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task BackupRpo_SweepOfManyApps_TwoArmReadsPerApp_AndItsStorageTransactionsMeasured()
    {
        const int apps = 40;
        await using var world = await ComplianceJobWorld.StartAsync(azurite, batchSize: 20);
        for (var i = 0; i < apps; i++)
        {
            var (_, site) = await world.AddAppAsync($"app{i:D3}", withStaging: false);
            if (i % 2 == 0)
            {
                await world.ConfigureBackupsAsync(site);
                await world.BackUpAsync(site);
            }
        }
        world.Emulator.ArmCallLog.Clear();
        var storageBefore = world.StorageRequests.Count;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (_, first) = await world.RunAsync(ComplianceJob.BackupRpo, TimeSpan.FromMinutes(3));
        var firstWall = clock.Elapsed;
        var firstArm = world.Emulator.ArmCallLog.Snapshot().Count;
        var firstStorage = world.StorageRequests.Count - storageBefore;
        world.Clock.Advance(TimeSpan.FromMinutes(10));
        clock.Restart();
        var (_, second) = await world.RunAsync(ComplianceJob.BackupRpo, TimeSpan.FromMinutes(3));
        var secondWall = clock.Elapsed;
        var secondStorage = world.StorageRequests.Count - storageBefore - firstStorage;

        Assert.Equal(new ComplianceTallies(Apps: apps, Checked: apps, Opened: apps, Open: apps), first);
        Assert.Equal(new ComplianceTallies(Apps: apps, Checked: apps, Open: apps), second);
        // config/backup/list and backups: two ARM reads per app, whatever it finds.
        Assert.Equal(2 * apps, firstArm);
        output.WriteLine($"BackupRpo over {apps} apps (batches of 20, half of them without backups): first run {firstWall.TotalSeconds:0.0} s, " +
            $"{firstArm / (double)apps:0.0} ARM calls/app, {firstStorage / (double)apps:0.0} table requests/app (opening {apps} findings); " +
            $"second run {secondWall.TotalSeconds:0.0} s, {secondStorage / (double)apps:0.0} table requests/app (keeping them).");
    }

    [Fact]
    public async Task BackupRpo_SeededViolations_OpenFindings_CompliantAppsNone_FixedOnesResolve()
    {
        await using var world = await ComplianceJobWorld.StartAsync(azurite, batchSize: 2);
        var (_, good) = await world.AddAppAsync("good");
        var (_, stale) = await world.AddAppAsync("stale");
        await world.AddAppAsync("unconfigured");
        var (_, failing) = await world.AddAppAsync("failing");
        foreach (var site in new[] { good, stale, failing })
        {
            await world.ConfigureBackupsAsync(site);
            await world.BackUpAsync(site);
        }
        world.Clock.Advance(TimeSpan.FromHours(3));
        await world.BackUpAsync(good);
        world.Emulator.Faults.FailNextOperation(AppServiceEmulator.OperationKind.Backup, "failing", "BackupFailed");
        Assert.Equal("Failed", (await world.BackUpAsync(failing)).Status);

        var (instance, tallies) = await world.RunAsync(ComplianceJob.BackupRpo);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        // Four apps in batches of two: the run went on as new between them and kept its tallies.
        Assert.Equal(new ComplianceTallies(Apps: 4, Checked: 4, Opened: 5, Open: 5), tallies);
        Assert.Empty(await world.OpenFindingsAsync("good"));
        var staleFinding = Assert.Single(await world.OpenFindingsAsync("stale"));
        Assert.Equal((BackupRpoCheck.Breach, FindingSeverity.High, "03:00:00"), (staleFinding.Kind, staleFinding.Severity, staleFinding.Evidence["backupAge"]));
        Assert.Equal([BackupRpoCheck.Breach, BackupRpoCheck.NotConfigured], (await world.OpenFindingsAsync("unconfigured")).Select(f => f.Kind));
        Assert.Equal(FindingSeverity.Critical, (await world.OpenFindingsAsync("unconfigured"))[0].Severity);
        Assert.Equal([BackupRpoCheck.Breach, BackupRpoCheck.LatestFailed], (await world.OpenFindingsAsync("failing")).Select(f => f.Kind));
        Assert.DoesNotContain(world.Webhook.Received, n => n.ToString().Contains("sig=", StringComparison.Ordinal));
        Assert.Equal(5, world.Webhook.Received.Count);
        var run = await world.Runs.GetAsync(ComplianceJob.BackupRpo, default);
        Assert.Equal((ComplianceRunStatus.Succeeded, ComplianceJobWorld.Start.AddHours(3), 4), (run!.Status, run.StartedAt, run.Tallies.Apps));

        // Fixed: a fresh backup of the stale app, backups configured for the other. An hour on, good's backup is still in time.
        await world.BackUpAsync(stale);
        await world.ConfigureBackupsAsync(SiteIdOf(world, "unconfigured"));
        await world.BackUpAsync(SiteIdOf(world, "unconfigured"));
        world.Clock.Advance(TimeSpan.FromMinutes(30));

        var (_, second) = await world.RunAsync(ComplianceJob.BackupRpo);

        Assert.Equal(new ComplianceTallies(Apps: 4, Checked: 4, Resolved: 3, Open: 2), second);
        Assert.Empty(await world.OpenFindingsAsync("stale"));
        Assert.Empty(await world.OpenFindingsAsync("unconfigured"));
        var resolved = (await world.Findings.ListAsync("stale", "backup-rpo", default)).Single();
        Assert.Equal((FindingStatus.Resolved, (DateTimeOffset?)ComplianceJobWorld.Start.AddHours(3.5)), (resolved.Status, resolved.ResolvedAt));
        Assert.Equal(5, world.Webhook.Received.Count);
        var actions = await world.Audit.QueryAsync(null, ComplianceJobWorld.Start, ComplianceJobWorld.Start.AddDays(1), default).Select(r => r.Action).ToListAsync();
        Assert.Equal(5, actions.Count(a => a == "compliance.finding-opened"));
        Assert.Equal(3, actions.Count(a => a == "compliance.finding-resolved"));
        Assert.Equal(2, actions.Count(a => a == "compliance.job-finished"));
    }

    [Fact]
    public async Task BackupRpo_ArmFailsForOneApp_CountsAndAuditsTheFailureAndKeepsItsFindings()
    {
        await using var world = await ComplianceJobWorld.StartAsync(azurite, batchSize: 10);
        await world.AddAppAsync("broken");
        await world.AddAppAsync("other");
        await world.RunAsync(ComplianceJob.BackupRpo);
        Assert.Equal(2, (await world.OpenFindingsAsync("broken")).Count);

        world.Emulator.Faults.FailArm("/sites/broken/backups", count: 1, statusCode: 500);
        world.Clock.Advance(TimeSpan.FromHours(1));
        var (_, tallies) = await world.RunAsync(ComplianceJob.BackupRpo);

        Assert.Equal((2, 1, 1), (tallies.Apps, tallies.Checked, tallies.Failed));
        Assert.Equal(2, (await world.OpenFindingsAsync("broken")).Count);
        var failure = Assert.Single(await world.Audit.QueryAsync("broken", ComplianceJobWorld.Start, ComplianceJobWorld.Start.AddDays(1), default)
            .Where(r => r.Action == "compliance.check-failed").ToListAsync());
        Assert.Contains("500", failure.Reason);
    }

    [Fact]
    public async Task Run_FromABatchCursor_ChecksOnlyTheAppsAfterItAndAddsToTheTalliesSoFar()
    {
        // What ContinueAsNew hands the next batch (and what a restarted host resumes from): the cursor and the tallies.
        await using var world = await ComplianceJobWorld.StartAsync(azurite, batchSize: 10);
        foreach (var name in new[] { "alpha", "bravo", "charlie", "delta" })
        {
            await world.AddAppAsync(name, withStaging: false);
        }
        var input = new ComplianceJobInput(ComplianceJob.BackupRpo, "backup-rpo-resumed", ComplianceJobWorld.Start, new RestoreTestOptions().ToTimings(), 10,
            Cursor: "bravo", Tallies: new ComplianceTallies(Apps: 2, Checked: 2, Opened: 4, Open: 4));

        var id = await world.Client.ScheduleNewOrchestrationInstanceAsync(ComplianceJobOrchestrator.Name, input, new Microsoft.DurableTask.StartOrchestrationOptions(ComplianceJobRuns.InstanceId(ComplianceJob.BackupRpo)));
        var (instance, tallies) = await world.CompletionAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(new ComplianceTallies(Apps: 4, Checked: 4, Opened: 8, Open: 8), tallies);
        Assert.Empty(await world.OpenFindingsAsync("alpha"));
        Assert.Empty(await world.OpenFindingsAsync("bravo"));
        Assert.Equal(2, (await world.OpenFindingsAsync("charlie")).Count);
        Assert.Equal(2, (await world.OpenFindingsAsync("delta")).Count);
        Assert.Equal((ComplianceRunStatus.Succeeded, 4), ((await world.Runs.GetAsync(ComplianceJob.BackupRpo, default))!.Status, (await world.Runs.GetAsync(ComplianceJob.BackupRpo, default))!.Tallies.Apps));
    }

    [Fact]
    public async Task RestoreTest_AppThatNoLongerRequiresBackups_IsNotTested_AndItsEarlierFindingsResolve()
    {
        await using var world = await ComplianceJobWorld.StartAsync(azurite);
        var (app, _) = await world.AddAppAsync("ledger", backupsRequired: false, withStaging: false);
        // An earlier test, while the app still required backups, found it had none.
        var recorder = new ComplianceFindingsRecorder(world.Findings, world.Audit, [], Microsoft.Extensions.Logging.Abstractions.NullLogger<ComplianceFindingsRecorder>.Instance);
        await recorder.RecordAsync(ComplianceJob.RestoreTest, app, "restore-test-earlier", ComplianceJobWorld.Start.AddDays(-30),
            [new Observation(Blueshift.Functions.Compliance.RestoreTest.RestoreTestKinds.NoBackup, "production", FindingSeverity.High, "The app has no backup.", new Dictionary<string, string>())], default);
        world.Emulator.ArmCallLog.Clear();

        var (instance, tallies) = await world.RunAsync(ComplianceJob.RestoreTest);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(new ComplianceTallies(Apps: 1, Checked: 1, Resolved: 1), tallies);
        Assert.DoesNotContain(await world.Findings.ListAsync(app.Name, ComplianceJobs.Name(ComplianceJob.RestoreTest), default), f => f.Status == FindingStatus.Open);
        Assert.Empty(world.Emulator.ArmCallLog.Snapshot());
    }

    [Fact]
    public async Task StartAsync_AfterARunEnded_PurgesItsInstanceAndItsEndedSubOrchestrations()
    {
        await using var world = await ComplianceJobWorld.StartAsync(azurite);
        await world.AddAppAsync("alpha", withStaging: false);
        var (first, _) = await world.RunAsync(ComplianceJob.BackupRpo);
        var firstRun = first.ReadInputAs<ComplianceJobInput>()!.RunId;
        // What a restore test of the run leaves behind: an ended instance under the run's sub-orchestration ids.
        var child = await world.Client.ScheduleNewOrchestrationInstanceAsync(ComplianceJobOrchestrator.Name,
            new ComplianceJobInput(ComplianceJob.BackupRpo, firstRun + "-child", ComplianceJobWorld.Start, new RestoreTestOptions().ToTimings(), 10, Cursor: "zzz", Tallies: new ComplianceTallies()),
            new Microsoft.DurableTask.StartOrchestrationOptions(ComplianceJobOrchestrator.RestoreTestInstanceId(first.InstanceId, firstRun, "alpha")));
        await world.CompletionAsync(child);
        world.Clock.Advance(TimeSpan.FromMinutes(1));

        var second = await world.JobRuns.StartAsync(world.Client, ComplianceJob.BackupRpo, default);
        await world.CompletionAsync(second.InstanceId);

        Assert.True(second.Started);
        Assert.NotEqual(firstRun, second.RunId);
        Assert.Null(await world.Client.GetInstanceAsync(child));
    }

    [Fact]
    public async Task StartAsync_WhileARunIsGoing_StartsNothing()
    {
        await using var world = await ComplianceJobWorld.StartAsync(azurite);
        await world.AddAppAsync("slow");
        world.Emulator.Faults.DelayArm("/sites/slow/backups", TimeSpan.FromSeconds(3), count: 1);

        var first = await world.JobRuns.StartAsync(world.Client, ComplianceJob.BackupRpo, default);
        var second = await world.JobRuns.StartAsync(world.Client, ComplianceJob.BackupRpo, default);

        Assert.True(first.Started);
        Assert.Equal((false, "compliance-backup-rpo", first.RunId), (second.Started, second.InstanceId, second.RunId));
        await world.CompletionAsync(first.InstanceId);
        world.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True((await world.JobRuns.StartAsync(world.Client, ComplianceJob.BackupRpo, default)).Started);
    }

    [Fact]
    public async Task Run_JobWithoutACheck_FailsClearlyAndSaysSoInItsStatus()
    {
        await using var world = await ComplianceJobWorld.StartAsync(azurite);
        await world.AddAppAsync("any");

        var (instance, _) = await world.RunAsync(ComplianceJob.Governance);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, instance.RuntimeStatus);
        Assert.Contains("No compliance check is registered for the job 'governance'", instance.FailureDetails!.ErrorMessage);
        var run = await world.Runs.GetAsync(ComplianceJob.Governance, default);
        Assert.Equal(ComplianceRunStatus.Failed, run!.Status);
        Assert.Contains("governance", run.Error);
    }

    [Fact]
    public async Task BackupRpoCheck_BackupsNotRequired_ObservesNothing()
    {
        await using var world = await ComplianceJobWorld.StartAsync(azurite);
        var (app, _) = await world.AddAppAsync("exempt");
        var check = new BackupRpoCheck(world.Arm);

        Assert.Equal(2, (await check.CheckAsync(app, world.Clock.GetUtcNow(), default)).Count);
        Assert.Empty(await check.CheckAsync(app with { Compliance = new Blueshift.Functions.Apps.AppComplianceSettings(BackupsRequired: false) }, world.Clock.GetUtcNow(), default));
    }

    private static Blueshift.Functions.Azure.AppService.SiteId SiteIdOf(ComplianceJobWorld world, string name) =>
        new(ComplianceJobWorld.Subscription, "rg-" + name, name);
}
