using Blueshift.AppServiceEmulator;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Releases;
using Blueshift.Domain.Windows;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>The change-control gates of the release orchestration: approvals as events, deployment windows as durable timers.</summary>
public sealed class ReleaseGateOrchestrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task RunRelease_NormalChangeApprovedByAManager_StartsWithoutCountingTheRequestersOwnApproval()
    {
        await using var world = await OrchestrationWorld.StartAsync(azurite);
        world.StartUsers();
        var id = await world.StartAsync(world.Release("rel-approved", new AppBehaviour("2.0.0"), changeClass: "Normal"));
        await world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.AwaitingApproval && p.StatusReason is not null);

        await world.Client.RaiseEventAsync(id, ReleaseEvents.Approve, new ApprovalCommand(OrchestrationWorld.Requester, "manager", "My own change."));
        await world.Client.RaiseEventAsync(id, ReleaseEvents.Approve, new ApprovalCommand("mgr-anna", "manager", "Reviewed CHG-1234."));
        var (_, outcome) = await world.CompletionAsync(id);

        Assert.Equal(ReleasePhase.Succeeded, outcome.Phase);
        var records = await world.AuditRecordsAsync(id);
        Assert.Equal([OrchestrationWorld.Requester, "mgr-anna"], records.Where(r => r.Action == "release.approved").Select(r => r.Actor));
        var passed = Assert.Single(records, r => r.Action == "release.phase-changed" && r.Details!["to"] == nameof(ReleasePhase.AwaitingWindow));
        Assert.Equal("mgr-anna (manager)", passed.Details!["approvers"]);
    }

    [Fact]
    public async Task RunRelease_NobodyApproves_ExpiresAbortedWithoutTouchingTheApp()
    {
        await using var world = await OrchestrationWorld.StartAsync(azurite);
        var input = world.Release("rel-unapproved", new AppBehaviour("2.0.0"), OrchestrationWorld.Policy(approvalTimeout: TimeSpan.FromSeconds(2)), changeClass: "Normal");

        var (_, outcome) = await world.RunAsync(input);

        Assert.Equal(ReleasePhase.Aborted, outcome.Phase);
        Assert.StartsWith("Timed out: the release stayed in AwaitingApproval", outcome.StatusReason, StringComparison.Ordinal);
        Assert.Empty(world.Emulator.GetOperations());
        Assert.Equal("release.aborted", Assert.Single(world.Webhook.Received).GetProperty("event").GetString());
    }

    [Fact]
    public async Task RunRelease_DuringAFreeze_WaitsForItsEndThenProceeds()
    {
        // The freeze spans an hour either side of now: whenever the release is judged, it is judged inside it.
        var now = DateTimeOffset.UtcNow;
        List<FreezePeriod> freezes = [new FreezePeriod(now.AddHours(-1), now.AddHours(1), "test freeze")];
        await using var world = await OrchestrationWorld.StartAsync(azurite, freezes: freezes);
        world.StartUsers();
        var policy = OrchestrationWorld.Policy() with { Timeouts = OrchestrationWorld.Policy().Timeouts with { Window = TimeSpan.FromSeconds(8) } };
        var id = await world.StartAsync(world.Release("rel-frozen", new AppBehaviour("2.0.0"), policy));
        // Until the window gate's first answer comes back, the status says the release is checking the windows.
        var waiting = await world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.AwaitingWindow && p.StatusReason?.Contains("test freeze", StringComparison.Ordinal) == true);
        Assert.Contains("test freeze", waiting.StatusReason, StringComparison.Ordinal);

        // The freeze is lifted early; the release judges the window again when its wait ends, by its own clock.
        var lifted = DateTimeOffset.UtcNow;
        freezes[0] = new FreezePeriod(now.AddHours(-1), lifted, "test freeze");
        var (_, outcome) = await world.CompletionAsync(id);

        Assert.Equal(ReleasePhase.Succeeded, outcome.Phase);
        var records = await world.AuditRecordsAsync("rel-frozen");
        var held = Assert.Single(records, r => r.Action == "release.phase-changed" && r.Details!["to"] == nameof(ReleasePhase.AwaitingWindow));
        var opened = Assert.Single(records, r => r.Action == "release.phase-changed" && r.Details!["to"] == nameof(ReleasePhase.CapturingBaseline));
        Assert.True(held.At < lifted, $"The release reached the window gate at {held.At:O}, after the freeze was lifted at {lifted:O}.");
        Assert.True(opened.At >= lifted, $"The window gate let the release through at {opened.At:O}, before the freeze was lifted at {lifted:O}.");
    }

    [Fact]
    public async Task RunRelease_EmergencyChangeInsideAFreeze_PassesOnceApprovedAndOwesPostHocApproval()
    {
        var now = DateTimeOffset.UtcNow;
        await using var world = await OrchestrationWorld.StartAsync(azurite, freezes: [new FreezePeriod(now.AddHours(-1), now.AddHours(1), "test freeze")]);
        world.StartUsers();
        var id = await world.StartAsync(world.Release("rel-emergency", new AppBehaviour("2.0.1"), changeClass: "Emergency"));
        await world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.AwaitingApproval && p.StatusReason is not null);

        await world.Client.RaiseEventAsync(id, ReleaseEvents.Approve, new ApprovalCommand("mgr-anna", ApprovalRoles.Manager, "Outage fix."));
        await world.Client.RaiseEventAsync(id, ReleaseEvents.Approve, new ApprovalCommand("owner-bo", ApprovalRoles.Stakeholder, "Go."));
        var (_, outcome) = await world.CompletionAsync(id);

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Equal("2.0.1", world.Site.Production.Behaviour.Version);
        var records = await world.AuditRecordsAsync(id);
        Assert.Single(records, r => r.Action == "release.post-hoc-approval-owed");
        var opened = Assert.Single(records, r => r.Action == "release.phase-changed" && r.Details!["to"] == nameof(ReleasePhase.CapturingBaseline));
        Assert.True(opened.At < now.AddHours(1), "The emergency change passed the window inside the freeze.");
    }
}
