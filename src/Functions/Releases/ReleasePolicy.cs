using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;

namespace Blueshift.Functions.Releases;

/// <summary>The policies of one release, resolved once at start from the defaults, the app's overrides and the request.</summary>
public sealed record ReleasePolicy(
    IReadOnlyList<int> TrafficSteps,
    TimeSpan BakeTime,
    CanaryPolicy Canary,
    PostSwapPolicy PostSwap,
    HealthGatePolicy HealthGate,
    TimeSpan WarmUp,
    TimeSpan ProbeInterval,
    string HealthCheckPath,
    IReadOnlyList<SmokeTest> SmokeTests,
    PhaseTimeouts Timeouts);

internal static class ReleaseStrategies
{
    public const string Canary = "canary";
    public const string BlueGreen = "blue-green";
}
