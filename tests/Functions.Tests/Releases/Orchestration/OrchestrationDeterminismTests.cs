using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// Orchestrators are replayed from their history, so they must decide the same way every time: time from the context,
/// waits as durable timers, no ids or randomness of their own. A scan of their source catches the usual slips; the
/// flows on the test host (which replays at every await) show the rest.
/// </summary>
public sealed class OrchestrationDeterminismTests
{
    public static TheoryData<string> OrchestratorFiles { get; } = new(["ReleaseOrchestrator.cs", "ReleaseRun.cs", "RollbackOrchestrator.cs", "OrchestrationSteps.cs"]);

    private static readonly string[] Forbidden =
    [
        "DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.Now", "DateTimeOffset.UtcNow", "TimeProvider", "Stopwatch",
        "Guid.NewGuid", "Random", "Task.Delay", "Thread.Sleep", "Task.Run", "Environment.", "IConfiguration", "HttpClient",
    ];

    [Theory]
    [MemberData(nameof(OrchestratorFiles))]
    public void OrchestratorSource_NonDeterministicApis_AreNotUsed(string file)
    {
        var source = File.ReadAllText(RepositoryPaths.InRepository("src", "Functions", "Releases", "Orchestration", file));

        var used = Forbidden.Where(api => source.Contains(api, StringComparison.Ordinal)).ToList();

        Assert.True(used.Count == 0, $"{file} uses {string.Join(", ", used)}: orchestrators take time from context.CurrentUtcDateTime, wait with context.CreateTimer and get everything else from their input or an activity.");
    }
}
