namespace Blueshift.ReleaseDemo;

/// <summary>One event of a release's timeline as the release API answers it (<c>timeline[]</c> of GET /api/releases/{id}).</summary>
public sealed record TimelineEntry(string Phase, int TrafficPercent, string Message);

/// <summary>
/// The demo's lines for a release's timeline. The API labels each event with the phase the release was in right after
/// it, so a transition carries the phase it led to ("Deployed 2.0.0" says Stamping). Read as a log that is off by one:
/// each line here names the phase in which the event happened, which is the phase the release was in after the
/// event before it. The first event (the request) has no event before it and keeps its own phase.
/// </summary>
public static class TimelineFormatter
{
    /// <summary>
    /// The length of the longest phase name (CapturingBaseline), so every phase fits the column. The demo uses no
    /// Blueshift assembly; a test checks this against the ReleasePhase enum.
    /// </summary>
    public const int PhaseWidth = 17;

    /// <summary>The lines for <paramref name="timeline"/>[<paramref name="from"/>..]; earlier events only supply the phase.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<TimelineEntry> timeline, int from)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var lines = new List<string>();
        for (var i = Math.Max(from, 0); i < timeline.Count; i++)
        {
            var happenedIn = i == 0 ? timeline[0].Phase : timeline[i - 1].Phase;
            lines.Add($"[{happenedIn.PadRight(PhaseWidth)} {timeline[i].TrafficPercent,3} %] {timeline[i].Message}");
        }
        return lines;
    }
}
