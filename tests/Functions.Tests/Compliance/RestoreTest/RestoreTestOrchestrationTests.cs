using System.Globalization;
using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Analysis;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.RestoreTest;
using Blueshift.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Blueshift.Functions.Tests.Compliance.RestoreTest;

/// <summary>
/// The monthly restore test on the in-memory Durable host against the App Service emulator over HTTP, in real time with
/// timings of seconds: what it finds, what it records, that it always resets the DR slot and never touches production.
/// </summary>
public sealed class RestoreTestOrchestrationTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static RestoreTestRequest Request(RestoreTestWorld world, RestoreTestTimings? timings = null, string? drSlot = RestoreTestWorld.DrSlot, string? runId = null) =>
        new(world.Target(drSlot), runId ?? "run-" + Guid.NewGuid().ToString("N")[..8], timings ?? RestoreTestWorld.Timings());

    private static void AssertProductionUntouched(RestoreTestWorld world)
    {
        Assert.Empty(world.ProductionWrites());
        Assert.Equal("2.0.0", world.Site.Production.Version);
        Assert.Equal(RestoreTestWorld.ProductionSettings, world.Site.Production.AppSettings);
        Assert.False(world.Site.Production.IsStopped);
        Assert.All(world.Emulator.GetOperations().Where(o => o.Kind == OperationKind.Restore), o => Assert.Equal(RestoreTestWorld.DrSlot, o.Slot));
    }

    [Fact]
    public async Task HealthyRestore_WithinTheRto_ObservesNothingAuditsTheMeasuredTimeAndStopsTheDrSlot()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        var request = Request(world);

        var (_, observations) = await world.RunAsync(request);

        Assert.Empty(observations);
        var record = Assert.Single(await world.EvidenceAsync(request.RunId));
        var details = record.Details!;
        Assert.Equal("passed", details["outcome"]);
        Assert.Equal("1", details["backupId"]);
        Assert.Equal(RestoreTestWorld.DrSlot, details["drSlot"]);
        var measured = double.Parse(details["measuredSeconds"], CultureInfo.InvariantCulture);
        Assert.InRange(measured, 0.001, 30);
        var calls = world.Emulator.ArmCallLog.Snapshot();
        output.WriteLine($"measured start -> healthy: {measured:0.###} s; ARM calls: {calls.Count} ({string.Join(", ", calls.GroupBy(c => c.Method).Select(g => $"{g.Count()} {g.Key}"))}); probes: {details["probes"]}");
        Assert.True(DateTimeOffset.Parse(details["healthyAt"], CultureInfo.InvariantCulture) > DateTimeOffset.Parse(details["restoreStartedAt"], CultureInfo.InvariantCulture));
        Assert.Contains("healthy (HTTP 200)", details["probeResults"], StringComparison.Ordinal);
        Assert.StartsWith("RTO met", details["rtoCheck"], StringComparison.Ordinal);
        Assert.DoesNotContain(record.Details!.Values, v => v.Contains("sig=", StringComparison.Ordinal));
        // The DR slot got the backup's content and settings, then was stopped; production runs on as it was.
        Assert.Equal("1.0.0", world.Site.Slot(RestoreTestWorld.DrSlot).Version);
        Assert.Equal(RestoreTestWorld.ProductionSettings, world.Site.Slot(RestoreTestWorld.DrSlot).AppSettings);
        Assert.True(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
        AssertProductionUntouched(world);
        Assert.Contains(world.Emulator.ArmCallLog.Snapshot(), c => c.Method == "POST" && c.Path.EndsWith("/slots/dr/backups/0/restore", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(world.Emulator.ArmCallLog.Snapshot(), c => c.Query.Contains("sig=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PassingTest_RecordsOneRestoreTestExercise_AndARerunOfTheRecordActivityAddsNone()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        var request = Request(world);

        var (_, observations) = await world.RunAsync(request);
        var exercise = Assert.Single(await world.Exercises.ListAsync(RestoreTestWorld.App, 10, CancellationToken.None));
        var evidence = Assert.Single(await world.EvidenceAsync(request.RunId));
        // The task hub delivers at least once: the record activity may run again with the same evidence.
        var activities = new RestoreTestActivities(world.Arm, new HttpSlotProbe(new HttpClient(), new Blueshift.Functions.Releases.ReleaseOptions()), world.Audit, world.Exercises);
        var again = await activities.RecordAsync(new RestoreTestEvidence("rerun-" + request.RunId, evidence, exercise), CancellationToken.None);

        Assert.Empty(observations);
        Assert.Equal((DrActivity.RestoreTest, RestoreTestWorld.App), (exercise.Activity, exercise.App));
        Assert.InRange(exercise.PerformedAt, DateTimeOffset.Parse(evidence.Details!["restoreStartedAt"], CultureInfo.InvariantCulture), DateTimeOffset.UtcNow);
        Assert.Equal(1, again);
        Assert.Equal(exercise, Assert.Single(await world.Exercises.ListAsync(RestoreTestWorld.App, 10, CancellationToken.None)));
    }

    [Fact]
    public async Task HealthyRestore_IntoAStoppedDrSlot_StartsItBeforeProbing()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        await world.Arm.StopAsync(world.Production.WithSlot(RestoreTestWorld.DrSlot));

        var (_, observations) = await world.RunAsync(Request(world));

        Assert.Empty(observations);
        Assert.True(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
    }

    [Fact]
    public async Task FailedRestoreOperation_IsAFailedObservationWithEvidence_AndTheDrSlotIsStopped()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        world.Emulator.Faults.FailNextOperation(OperationKind.Restore, RestoreTestWorld.App, "RestoreFailed", "The backup blob could not be read.");
        var request = Request(world);

        var (_, observations) = await world.RunAsync(request);

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.Failed, observation.Kind);
        Assert.Equal(RestoreTestWorld.DrSlot, observation.Subject);
        Assert.Contains("RestoreFailed", observation.Evidence["restoreOutcome"], StringComparison.Ordinal);
        Assert.Equal("1", observation.Evidence["backupId"]);
        Assert.Equal("failed", Assert.Single(await world.EvidenceAsync(request.RunId)).Details!["outcome"]);
        Assert.True(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
        AssertProductionUntouched(world);
    }

    [Fact]
    public async Task RestoreThatNeverBecomesHealthy_IsAFailedObservationAfterTheHealthTimeout_AndTheDrSlotIsStopped()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        world.Emulator.Faults.MakeNextRestoreUnhealthy(RestoreTestWorld.App);
        var timings = RestoreTestWorld.Timings(healthTimeout: TimeSpan.FromSeconds(2));
        var request = Request(world, timings);

        var (instance, observations) = await world.RunAsync(request);

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.Failed, observation.Kind);
        Assert.Contains("did not answer its health check", observation.Summary, StringComparison.Ordinal);
        Assert.Equal("succeeded", observation.Evidence["restoreOutcome"]);
        Assert.True(int.Parse(observation.Evidence["probes"], CultureInfo.InvariantCulture) >= 3, observation.Evidence["probes"]);
        Assert.Contains("unhealthy (HTTP 503)", observation.Evidence["probeResults"], StringComparison.Ordinal);
        var finished = DateTimeOffset.Parse(observation.Evidence["restoreFinishedAt"], CultureInfo.InvariantCulture);
        Assert.True(instance.LastUpdatedAt - finished >= timings.HealthTimeout, $"gave up {instance.LastUpdatedAt - finished} after the restore");
        Assert.True(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
        AssertProductionUntouched(world);
    }

    [Fact]
    public async Task SlowRestore_PastTheOperationTimeout_IsAFailedObservation_AndTheDrSlotIsStopped()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        world.Emulator.Faults.SlowNextRestore(TimeSpan.FromMinutes(5), RestoreTestWorld.App);

        var (_, observations) = await world.RunAsync(Request(world, RestoreTestWorld.Timings(operationTimeout: TimeSpan.FromSeconds(2))));

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.Failed, observation.Kind);
        Assert.Contains("did not finish within the operation timeout", observation.Evidence["restoreOutcome"], StringComparison.Ordinal);
        Assert.True(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
        AssertProductionUntouched(world);
    }

    [Fact]
    public async Task RestoreSlowerThanTheRto_IsAnRtoBreachWithTheMeasuredTime()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        world.Emulator.Faults.SlowNextRestore(TimeSpan.FromSeconds(1), RestoreTestWorld.App);
        var request = Request(world, RestoreTestWorld.Timings(rto: TimeSpan.FromMilliseconds(500)));

        var (_, observations) = await world.RunAsync(request);

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.RtoBreach, observation.Kind);
        Assert.StartsWith("RTO breach", observation.Evidence["rtoCheck"], StringComparison.Ordinal);
        Assert.True(double.Parse(observation.Evidence["measuredSeconds"], CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("rto-breach", Assert.Single(await world.EvidenceAsync(request.RunId)).Details!["outcome"]);
        // A breach is a finding, not a DR exercise done.
        Assert.Empty(await world.Exercises.ListAsync(RestoreTestWorld.App, 10, CancellationToken.None));
        Assert.True(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
        AssertProductionUntouched(world);
    }

    [Fact]
    public async Task NoBackup_IsANoBackupObservation_AndNothingIsRestoredOrStopped()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite, backedUp: false);
        var request = Request(world);

        var (_, observations) = await world.RunAsync(request);

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.NoBackup, observation.Kind);
        Assert.Equal("0", observation.Evidence["backupsListed"]);
        Assert.Equal("no-backup", Assert.Single(await world.EvidenceAsync(request.RunId)).Details!["outcome"]);
        Assert.DoesNotContain(world.Emulator.GetOperations(), o => o.Kind == OperationKind.Restore);
        Assert.False(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
        AssertProductionUntouched(world);
    }

    [Fact]
    public async Task OnlyFailedBackups_IsANoBackupObservation()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite, backedUp: false);
        world.Emulator.Faults.FailNextOperation(OperationKind.Backup, RestoreTestWorld.App);
        await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(world.BackUpProductionAsync);
        world.Emulator.ArmCallLog.Clear();

        var (_, observations) = await world.RunAsync(Request(world));

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.NoBackup, observation.Kind);
        Assert.Contains("none of its 1 backup(s) succeeded", observation.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("production")]
    [InlineData("PRODUCTION")]
    [InlineData("vault")]
    [InlineData("staging")]
    [InlineData("")]
    public async Task DrSlotThatIsProductionOrStagingOrEmpty_IsRefusedWithoutAnyArmWrite(string drSlot)
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        var request = Request(world, drSlot: drSlot);

        var (_, observations) = await world.RunAsync(request);

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.Refused, observation.Kind);
        Assert.DoesNotContain(world.Emulator.ArmCallLog.Snapshot(), c => c.Method != "GET");
        Assert.Equal("refused", Assert.Single(await world.EvidenceAsync(request.RunId)).Details!["outcome"]);
        Assert.Equal("1.0.0", world.Site.Slot("staging").Version);
        AssertProductionUntouched(world);
    }

    [Fact]
    public async Task DrSlotTheAppDoesNotHave_IsANoDrSlotObservation_AndNothingIsWritten()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        var request = Request(world, drSlot: "recovery");

        var (_, observations) = await world.RunAsync(request);

        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.NoDrSlot, observation.Kind);
        Assert.Equal("recovery", observation.Subject);
        Assert.DoesNotContain(world.Emulator.ArmCallLog.Snapshot(), c => c.Method != "GET");
        Assert.Equal("no-dr-slot", Assert.Single(await world.EvidenceAsync(request.RunId)).Details!["outcome"]);
        AssertProductionUntouched(world);
    }

    [Fact]
    public async Task NoDrSlotOnTheApp_UsesTheDefaultFromTheTimings()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        var request = new RestoreTestRequest(world.Target(drSlot: null), "run-default", RestoreTestWorld.Timings());

        var (_, observations) = await world.RunAsync(request);

        Assert.Empty(observations);
        Assert.Equal("dr", Assert.Single(world.Emulator.GetOperations(), o => o.Kind == OperationKind.Restore).Slot);
    }

    [Fact]
    public async Task ArmOutageDuringTheRestore_FailsTheTestForTheJob_AfterStoppingTheDrSlotAndAuditingTheAttempt()
    {
        await using var world = await RestoreTestWorld.StartAsync(azurite);
        // Every poll of the restore's operation fails (the client does not retry; the activity's retries run out).
        world.Emulator.Faults.FailArm("operation[Rr]esults", count: 100, statusCode: 503);
        var request = Request(world);

        var id = await world.StartAsync(request);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var instance = await world.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Failed, instance.RuntimeStatus);
        Assert.Equal("error", Assert.Single(await world.EvidenceAsync(request.RunId)).Details!["outcome"]);
        Assert.True(world.Site.Slot(RestoreTestWorld.DrSlot).IsStopped);
        AssertProductionUntouched(world);
    }
}
