using System.Net;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

/// <summary>
/// How release requests are taken: one active release per app, retries made safe by <c>Idempotency-Key</c>, and change
/// control (approvals by someone other than the requester).
/// </summary>
public sealed class ReleaseRequestScenarioTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task StartRelease_TwoConcurrentRequestsForOneApp_OneAcceptedTheOtherConflictNamesIt()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);

        var answers = await Task.WhenAll(
            world.RequestReleaseAsync(world.ReleaseBody("2.0.0")),
            world.RequestReleaseAsync(world.ReleaseBody("2.0.1")));

        var accepted = Assert.Single(answers, a => a.Status == HttpStatusCode.Accepted).Release;
        var conflict = Assert.Single(answers, a => a.Status == HttpStatusCode.Conflict).Problem;
        Assert.Equal(409, conflict.GetProperty("status").GetInt32());
        Assert.Equal(accepted.Id, conflict.GetProperty("activeReleaseId").GetString());
        Assert.Contains(accepted.Id, conflict.GetProperty("detail").GetString());
        Assert.Equal([accepted.Id], (await world.ListReleasesAsync(ReleaseWorld.App)).Select(r => r.Id));
    }

    [Fact]
    public async Task StartRelease_SameIdempotencyKey_ReplaysTheSameBodyAndRefusesAnother()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var body = world.ReleaseBody("2.0.0");

        var first = await world.RequestReleaseAsync(body, idempotencyKey: "build-4711");
        var replay = await world.RequestReleaseAsync(body, idempotencyKey: "build-4711");
        var other = await world.RequestReleaseAsync(world.ReleaseBody("2.0.1"), idempotencyKey: "build-4711");

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Null(first.Header("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Accepted, replay.Status);
        Assert.Equal("true", replay.Header("Idempotent-Replayed"));
        Assert.Equal(first.Release.Id, replay.Release.Id);
        Assert.Equal(first.Header("Location"), replay.Header("Location"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.Status);
        Assert.Equal(422, other.Problem.GetProperty("status").GetInt32());
        Assert.Equal([first.Release.Id], (await world.ListReleasesAsync(ReleaseWorld.App)).Select(r => r.Id));
    }

    /// <remarks>
    /// A minor release then waits for a low-traffic window (22:00–06:00 UTC) outside the weekly freeze. The window gate
    /// reads the host's real clock, which these tests cannot move, so whether the release deploys at once or waits for the
    /// window depends on when the test runs: the scenario checks that approval lets it past the approval gate either way.
    /// </remarks>
    [Fact]
    public async Task ApproveRelease_MinorNormalChange_RefusesTheRequesterAndAcceptsAnotherTeamLead()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var body = world.ReleaseBody("2.1.0", releaseType: "Minor", changeClass: "Normal");
        body["changeReference"] = "CHG-1042";

        var started = await world.StartReleaseAsync(body, ApiCaller.Developer);
        Assert.Equal(("AwaitingApproval", ApiCaller.Developer.Id), (started.Phase, started.RequestedBy));

        // The requester never approves their own release, even holding the team lead's role
        var own = await world.ApproveAsync(started.Id, ApiCaller.Developer, "team-lead");
        Assert.Equal(HttpStatusCode.Forbidden, own.Status);
        Assert.Equal("Separation of duties", own.Problem.GetProperty("title").GetString());
        // A pipeline's key is no one's sign-off
        var pipeline = await world.ApproveAsync(started.Id, ApiCaller.Pipeline, "team-lead");
        Assert.Equal(HttpStatusCode.Forbidden, pipeline.Status);
        Assert.Equal(403, pipeline.Problem.GetProperty("status").GetInt32());
        var waiting = await world.GetReleaseAsync(started.Id);
        Assert.Equal("AwaitingApproval", waiting.Phase);
        Assert.Empty(waiting.Approvals);

        // Another team lead approves: the release goes past the approval gate
        var approved = await world.ApproveAsync(started.Id, ApiCaller.TeamLead, "team-lead", "Reviewed CHG-1042.");
        Assert.True(approved.Status == HttpStatusCode.OK, $"Approving: {approved}");
        var past = await world.WaitForAsync(started.Id, r => r.Phase != "AwaitingApproval", "the approved release to leave the approval gate");
        Assert.Equal("Active", past.Status);
        var approval = Assert.Single(past.Approvals);
        Assert.Equal((ApiCaller.TeamLead.Id, "team-lead", "Reviewed CHG-1042."), (approval.Approver, approval.Role, approval.Comment));
        if (past.Phase == "AwaitingWindow")
        {
            Assert.Matches("(?i)window|freeze", past.StatusReason ?? "");
        }
        await world.WaitForAuditAsync(
            records => records.Any(r => r.ReleaseId == started.Id && r.Action == "release.approved" && r.Actor == ApiCaller.TeamLead.Id),
            "the team lead's approval in the audit trail");
    }
}
