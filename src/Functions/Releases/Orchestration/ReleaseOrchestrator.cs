using Blueshift.Domain.Releases;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// A progressive release as a Durable orchestration, step by step as the runbook reads. Deterministic: time only from
/// the context, no I/O but activities, everything else from the input. A failed check, an abort or a rollback event,
/// a timed-out phase or an activity that keeps failing hands over to the rollback sub-orchestration.
/// </summary>
internal static class ReleaseOrchestrator
{
    public static async Task<ReleaseOutcome> RunRelease(TaskOrchestrationContext context, ReleaseInput input)
    {
        var release = new ReleaseRun(context, input);
        try
        {
            await release.AwaitApprovalAsync();
            await release.AwaitWindowAsync();
            await release.CaptureBaselineAsync();
            await release.DeployAsync();
            await release.StampMarkerAsync();
            await release.VerifyHealthAsync();
            await release.SmokeTestAsync();
            if (input.Strategy != ReleaseStrategies.BlueGreen)
            {
                for (var step = 0; step < input.Policy.TrafficSteps.Count; step++)
                {
                    await release.ShiftAsync(step);
                }
            }
            await release.SwapAsync();
            await release.ClearRouteAsync();
            await release.WatchAsync();
            return await release.HoldRollbackWindowAsync(await release.SucceedAsync());
        }
        catch (RollbackRequired stop)
        {
            return await release.RollBackAsync(stop);
        }
        catch (TaskFailedException ex)
        {
            // Every step wraps its activities, so this is the net under them: an activity that failed beyond its retries
            // leads to a rollback, never to a crashed orchestration that leaves the app half released.
            return await release.RollBackAsync(new RollbackRequired(RollbackCause.CheckFailed, ReleaseRun.EngineActor,
                $"An activity kept failing ({ex.FailureDetails.ErrorType})."));
        }
        finally
        {
            await release.FlushAuditBestEffortAsync();
            release.StopListening();
        }
    }
}

/// <summary>Why a release stops going forward; caught by the orchestrator, which rolls back.</summary>
internal sealed class RollbackRequired(RollbackCause cause, string actor, string reason, IReadOnlyDictionary<string, string>? details = null)
    : Exception(reason)
{
    public RollbackCause Cause { get; } = cause;

    public string Actor { get; } = actor;

    public IReadOnlyDictionary<string, string> Details { get; } = details ?? new Dictionary<string, string>();
}
