using Blueshift.Domain.Analysis;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// Registers the release orchestrations and their activities with a Durable Task worker. Activities are created per
/// call from the worker's services, so they take the ports by constructor like any other service. Until the app runs
/// on the isolated worker (whose <c>[Function]</c> attributes will name them), this list is the catalog.
/// </summary>
internal static class ReleaseOrchestrationTasks
{
    public static DurableTaskRegistry AddReleaseOrchestrations(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<ReleaseInput, ReleaseOutcome>(nameof(ReleaseOrchestrator.RunRelease), ReleaseOrchestrator.RunRelease);
        registry.AddOrchestratorFunc<RollbackInput, RollbackOutcome>(nameof(RollbackOrchestrator.RunRollback), RollbackOrchestrator.RunRollback);

        Activity<SlotActivities, ManagedApp, SlotsSnapshot>(registry, ReleaseActivityNames.DescribeSlots, (a, i, c) => a.DescribeSlotsAsync(i, c));
        Activity<SlotActivities, DeployRequest, SlotOperation>(registry, ReleaseActivityNames.StartDeploy, (a, i, c) => a.StartDeployAsync(i, c));
        Activity<SlotActivities, OperationRequest, SlotOperation>(registry, ReleaseActivityNames.PollOperation, (a, i, c) => a.PollOperationAsync(i, c));
        Activity<SlotActivities, StampRequest, bool>(registry, ReleaseActivityNames.StampMarker, (a, i, c) => a.StampMarkerAsync(i, c));
        Activity<SlotActivities, RouteRequest, int>(registry, ReleaseActivityNames.RouteTraffic, (a, i, c) => a.RouteTrafficAsync(i, c));
        Activity<SlotActivities, ManagedApp, int>(registry, ReleaseActivityNames.ClearRouting, (a, i, c) => a.ClearRoutingAsync(i, c));
        Activity<SlotActivities, SwapRequest, bool>(registry, ReleaseActivityNames.ProductionHolds, (a, i, c) => a.ProductionHoldsAsync(i, c));
        Activity<SlotActivities, SwapRequest, SwapStarted>(registry, ReleaseActivityNames.RequestSwap, (a, i, c) => a.RequestSwapAsync(i, c));
        Activity<MetricsActivities, WindowRequest, MetricWindow>(registry, ReleaseActivityNames.MeasureWindow, (a, i, c) => a.MeasureWindowAsync(i, c));
        Activity<MetricsActivities, WindowRequest, CanaryWindows>(registry, ReleaseActivityNames.MeasureCanary, (a, i, c) => a.MeasureCanaryAsync(i, c));
        Activity<ProbeActivities, ProbeRequest, HealthProbe>(registry, ReleaseActivityNames.ProbeHealth, (a, i, c) => a.ProbeHealthAsync(i, c));
        Activity<ProbeActivities, SmokeTestRequest, AnalysisVerdict>(registry, ReleaseActivityNames.RunSmokeTests, (a, i, c) => a.RunSmokeTestsAsync(i, c));
        Activity<NotificationActivities, NotifyRequest, string>(registry, ReleaseActivityNames.Notify, (a, i, c) => a.NotifyAsync(i, c));
        Activity<AuditActivities, AuditBatch, int>(registry, ReleaseActivityNames.RecordAudit, (a, i, c) => a.RecordAsync(i, c));
        Activity<ChangeControlActivities, ApprovalQuery, ApprovalGateResult>(registry, ReleaseActivityNames.EvaluateApprovals, (a, i, c) => a.EvaluateApprovalsAsync(i, c));
        Activity<ChangeControlActivities, WindowQuery, WindowDecision>(registry, ReleaseActivityNames.EvaluateWindow, (a, i, c) => a.EvaluateWindowAsync(i, c));
        return registry;
    }

    private static void Activity<TActivities, TInput, TOutput>(
        DurableTaskRegistry registry, string name, Func<TActivities, TInput, CancellationToken, Task<TOutput>> run)
        where TActivities : class =>
        registry.AddActivity(name, services => new ServiceActivity<TActivities, TInput, TOutput>(services, run));

    /// <summary>An activity whose class is built from the worker's services for each call.</summary>
    private sealed class ServiceActivity<TActivities, TInput, TOutput>(
        IServiceProvider services, Func<TActivities, TInput, CancellationToken, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
        where TActivities : class
    {
        // The Durable Task SDK gives activities no cancellation; a host that stops abandons the work item, which runs again.
        // A transient fault is named as such, so that the retry policy tries it again and nothing else.
        public override async Task<TOutput> RunAsync(TaskActivityContext context, TInput input)
        {
            try
            {
                return await run(ActivatorUtilities.GetServiceOrCreateInstance<TActivities>(services), input, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not TransientActivityException && TransientActivityException.IsTransient(ex))
            {
                throw new TransientActivityException($"{context.Name} failed transiently ({TransientActivityException.Describe(ex)}).", ex);
            }
        }
    }
}
