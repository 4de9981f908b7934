using Blueshift.Domain.Releases;
using Blueshift.ReleaseDemo;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Demo;

public sealed class TimelineFormatterTests
{
    private static readonly TimelineEntry Requested = new("CapturingBaseline", 0, "Release of 2.0.0 requested by Local developer (Patch, Standard change).");
    private static readonly TimelineEntry DeployStarted = new("Deploying", 0, "Deployment of 2.0.0 to the staging slot started.");
    private static readonly TimelineEntry Deployed = new("Stamping", 0, "Deployed 2.0.0 to the staging slot.");
    private static readonly TimelineEntry Shifting = new("Shifting", 0, "Verified; shifting 25 % of production traffic.");
    private static readonly TimelineEntry Step = new("Shifting", 25, "Step 1 of 2: 25 % of production traffic goes to 2.0.0; baking for 00:01:15.");

    [Fact]
    public void Lines_Transition_LabelledWithThePhaseItHappenedIn()
    {
        var lines = TimelineFormatter.Lines([Requested, DeployStarted, Deployed], 0);

        Assert.StartsWith("[Deploying ", lines[2]);
        Assert.EndsWith("Deployed 2.0.0 to the staging slot.", lines[2]);
    }

    [Fact]
    public void Lines_FirstEvent_KeepsItsOwnPhase()
    {
        var lines = TimelineFormatter.Lines([Requested, DeployStarted], 0);

        Assert.StartsWith("[CapturingBaseline ", lines[0]);
        Assert.StartsWith("[CapturingBaseline ", lines[1]);
    }

    [Fact]
    public void Lines_FromAnIndex_PrintsOnlyTheNewEventsButTakesThePhaseFromTheOneBefore()
    {
        var lines = TimelineFormatter.Lines([Requested, DeployStarted, Deployed, Shifting, Step], 3);

        Assert.Equal(["[Stamping            0 %] Verified; shifting 25 % of production traffic.",
            "[Shifting           25 %] Step 1 of 2: 25 % of production traffic goes to 2.0.0; baking for 00:01:15."], lines);
    }

    [Fact]
    public void Lines_EveryPhaseName_FitsTheColumnAndTheTrafficColumnLinesUp()
    {
        var timeline = Enum.GetNames<ReleasePhase>().Select(p => new TimelineEntry(p, 100, "event")).ToList();

        var lines = TimelineFormatter.Lines([.. timeline, new TimelineEntry("Succeeded", 100, "last")], 0);

        Assert.Single(lines.Select(l => l.IndexOf(" %]", StringComparison.Ordinal)).Distinct());
        Assert.All(Enum.GetNames<ReleasePhase>(), p => Assert.Contains(lines, l => l.StartsWith($"[{p} ", StringComparison.Ordinal)));
    }

    [Fact]
    public void PhaseWidth_IsTheLongestReleasePhaseName()
    {
        Assert.Equal(TimelineFormatter.PhaseWidth, Enum.GetNames<ReleasePhase>().Max(p => p.Length));
    }
}
