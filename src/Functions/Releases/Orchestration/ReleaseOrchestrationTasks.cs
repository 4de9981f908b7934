using Blueshift.Domain.Analysis;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// Registers the release orchestrations and their activities with a plain Durable Task worker (the orchestration tests'
/// <c>DurableTaskTestHost</c>), through the same <see cref="ReleaseOrchestrationFunctions"/> the app declares as
/// Functions, so tests run what the Functions host runs. Each activity call gets the wrappers from the worker's services.
/// </summary>
internal static class ReleaseOrchestrationTasks
{
    public static DurableTaskRegistry AddReleaseOrchestrations(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<ReleaseInput, ReleaseOutcome>(ReleaseOrchestrationFunctions.ReleaseOrchestration, ReleaseOrchestrator.RunRelease);
        registry.AddOrchestratorFunc<RollbackInput, RollbackOutcome>(ReleaseOrchestrationFunctions.RollbackOrchestration, RollbackOrchestrator.RunRollback);

        Activity<ManagedApp, SlotsSnapshot>(registry, ReleaseActivityNames.DescribeSlots, (f, i, c) => f.DescribeSlots(i, c));
        Activity<DeployRequest, SlotOperation>(registry, ReleaseActivityNames.StartDeploy, (f, i, c) => f.StartDeploy(i, c));
        Activity<OperationRequest, SlotOperation>(registry, ReleaseActivityNames.PollOperation, (f, i, c) => f.PollOperation(i, c));
        Activity<StampRequest, bool>(registry, ReleaseActivityNames.StampMarker, (f, i, c) => f.StampMarker(i, c));
        Activity<RouteRequest, int>(registry, ReleaseActivityNames.RouteTraffic, (f, i, c) => f.RouteTraffic(i, c));
        Activity<ManagedApp, int>(registry, ReleaseActivityNames.ClearRouting, (f, i, c) => f.ClearRouting(i, c));
        Activity<SwapRequest, bool>(registry, ReleaseActivityNames.ProductionHolds, (f, i, c) => f.ProductionHolds(i, c));
        Activity<SwapRequest, SwapStarted>(registry, ReleaseActivityNames.RequestSwap, (f, i, c) => f.RequestSwap(i, c));
        Activity<WindowRequest, MetricWindow>(registry, ReleaseActivityNames.MeasureWindow, (f, i, c) => f.MeasureWindow(i, c));
        Activity<WindowRequest, CanaryWindows>(registry, ReleaseActivityNames.MeasureCanary, (f, i, c) => f.MeasureCanary(i, c));
        Activity<ProbeRequest, HealthProbe>(registry, ReleaseActivityNames.ProbeHealth, (f, i, c) => f.ProbeHealth(i, c));
        Activity<SmokeTestRequest, AnalysisVerdict>(registry, ReleaseActivityNames.RunSmokeTests, (f, i, c) => f.RunSmokeTests(i, c));
        Activity<NotifyRequest, string>(registry, ReleaseActivityNames.Notify, (f, i, c) => f.Notify(i, c));
        Activity<AuditBatch, int>(registry, ReleaseActivityNames.RecordAudit, (f, i, c) => f.RecordAudit(i, c));
        Activity<ApprovalQuery, ApprovalGateResult>(registry, ReleaseActivityNames.EvaluateApprovals, (f, i, c) => f.EvaluateApprovals(i, c));
        Activity<WindowQuery, WindowDecision>(registry, ReleaseActivityNames.EvaluateWindow, (f, i, c) => f.EvaluateWindow(i, c));
        Activity<ReleaseFinish, bool>(registry, ReleaseActivityNames.FinishRelease, (f, i, c) => f.FinishRelease(i, c));
        Activity<ReleaseReclaim, bool>(registry, ReleaseActivityNames.ReclaimApp, (f, i, c) => f.ReclaimApp(i, c));
        return registry;
    }

    private static void Activity<TInput, TOutput>(
        DurableTaskRegistry registry, string name, Func<ReleaseOrchestrationFunctions, TInput, CancellationToken, Task<TOutput>> run) =>
        registry.AddActivity(name, services => new FunctionActivity<TInput, TOutput>(new ReleaseOrchestrationFunctions(services), run));

    // The Durable Task SDK gives activities no cancellation; a host that stops abandons the work item, which runs again.
    private sealed class FunctionActivity<TInput, TOutput>(
        ReleaseOrchestrationFunctions functions, Func<ReleaseOrchestrationFunctions, TInput, CancellationToken, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(functions, input, CancellationToken.None);
    }
}
