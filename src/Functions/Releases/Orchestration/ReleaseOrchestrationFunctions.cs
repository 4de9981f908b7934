using Blueshift.Domain.Analysis;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Traffic;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// The release and rollback orchestrations and their activities as Functions: thin wrappers (the Durable source
/// generator is not available to us) that hand each trigger to <see cref="ReleaseOrchestrator"/>,
/// <see cref="RollbackOrchestrator"/> and the activity classes. The names are those the orchestrations call.
/// </summary>
public sealed class ReleaseOrchestrationFunctions(IServiceProvider services)
{
    /// <summary>The name a release orchestration is scheduled by (its instance id is the release id).</summary>
    public const string ReleaseOrchestration = nameof(ReleaseOrchestrator.RunRelease);

    /// <summary>The name of the rollback sub-orchestration.</summary>
    public const string RollbackOrchestration = nameof(RollbackOrchestrator.RunRollback);

    [Function(ReleaseOrchestration)]
    public Task<ReleaseOutcome> RunRelease([OrchestrationTrigger] TaskOrchestrationContext context) =>
        ReleaseOrchestrator.RunRelease(context, Input<ReleaseInput>(context));

    [Function(RollbackOrchestration)]
    public Task<RollbackOutcome> RunRollback([OrchestrationTrigger] TaskOrchestrationContext context) =>
        RollbackOrchestrator.RunRollback(context, Input<RollbackInput>(context));

    [Function(ReleaseActivityNames.DescribeSlots)]
    public Task<SlotsSnapshot> DescribeSlots([ActivityTrigger] ManagedApp app, CancellationToken cancellationToken) =>
        Run<SlotActivities, SlotsSnapshot>(ReleaseActivityNames.DescribeSlots, a => a.DescribeSlotsAsync(app, cancellationToken));

    [Function(ReleaseActivityNames.StartDeploy)]
    public Task<SlotOperation> StartDeploy([ActivityTrigger] DeployRequest request, CancellationToken cancellationToken) =>
        Run<SlotActivities, SlotOperation>(ReleaseActivityNames.StartDeploy, a => a.StartDeployAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.PollOperation)]
    public Task<SlotOperation> PollOperation([ActivityTrigger] OperationRequest request, CancellationToken cancellationToken) =>
        Run<SlotActivities, SlotOperation>(ReleaseActivityNames.PollOperation, a => a.PollOperationAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.StampMarker)]
    public Task<bool> StampMarker([ActivityTrigger] StampRequest request, CancellationToken cancellationToken) =>
        Run<SlotActivities, bool>(ReleaseActivityNames.StampMarker, a => a.StampMarkerAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.RouteTraffic)]
    public Task<int> RouteTraffic([ActivityTrigger] RouteRequest request, CancellationToken cancellationToken) =>
        Run<SlotActivities, int>(ReleaseActivityNames.RouteTraffic, a => a.RouteTrafficAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.ClearRouting)]
    public Task<int> ClearRouting([ActivityTrigger] ManagedApp app, CancellationToken cancellationToken) =>
        Run<SlotActivities, int>(ReleaseActivityNames.ClearRouting, a => a.ClearRoutingAsync(app, cancellationToken));

    [Function(ReleaseActivityNames.ProductionHolds)]
    public Task<bool> ProductionHolds([ActivityTrigger] SwapRequest request, CancellationToken cancellationToken) =>
        Run<SlotActivities, bool>(ReleaseActivityNames.ProductionHolds, a => a.ProductionHoldsAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.RequestSwap)]
    public Task<SwapStarted> RequestSwap([ActivityTrigger] SwapRequest request, CancellationToken cancellationToken) =>
        Run<SlotActivities, SwapStarted>(ReleaseActivityNames.RequestSwap, a => a.RequestSwapAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.MeasureWindow)]
    public Task<MetricWindow> MeasureWindow([ActivityTrigger] WindowRequest request, CancellationToken cancellationToken) =>
        Run<MetricsActivities, MetricWindow>(ReleaseActivityNames.MeasureWindow, a => a.MeasureWindowAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.MeasureCanary)]
    public Task<CanaryWindows> MeasureCanary([ActivityTrigger] WindowRequest request, CancellationToken cancellationToken) =>
        Run<MetricsActivities, CanaryWindows>(ReleaseActivityNames.MeasureCanary, a => a.MeasureCanaryAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.ProbeHealth)]
    public Task<HealthProbe> ProbeHealth([ActivityTrigger] ProbeRequest request, CancellationToken cancellationToken) =>
        Run<ProbeActivities, HealthProbe>(ReleaseActivityNames.ProbeHealth, a => a.ProbeHealthAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.RunSmokeTests)]
    public Task<AnalysisVerdict> RunSmokeTests([ActivityTrigger] SmokeTestRequest request, CancellationToken cancellationToken) =>
        Run<ProbeActivities, AnalysisVerdict>(ReleaseActivityNames.RunSmokeTests, a => a.RunSmokeTestsAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.Notify)]
    public Task<string> Notify([ActivityTrigger] NotifyRequest request, CancellationToken cancellationToken) =>
        Run<NotificationActivities, string>(ReleaseActivityNames.Notify, a => a.NotifyAsync(request, cancellationToken));

    [Function(ReleaseActivityNames.RecordAudit)]
    public Task<int> RecordAudit([ActivityTrigger] AuditBatch batch, CancellationToken cancellationToken) =>
        Run<AuditActivities, int>(ReleaseActivityNames.RecordAudit, a => a.RecordAsync(batch, cancellationToken));

    [Function(ReleaseActivityNames.EvaluateApprovals)]
    public Task<ApprovalGateResult> EvaluateApprovals([ActivityTrigger] ApprovalQuery query, CancellationToken cancellationToken) =>
        Run<ChangeControlActivities, ApprovalGateResult>(ReleaseActivityNames.EvaluateApprovals, a => a.EvaluateApprovalsAsync(query, cancellationToken));

    [Function(ReleaseActivityNames.EvaluateWindow)]
    public Task<WindowDecision> EvaluateWindow([ActivityTrigger] WindowQuery query, CancellationToken cancellationToken) =>
        Run<ChangeControlActivities, WindowDecision>(ReleaseActivityNames.EvaluateWindow, a => a.EvaluateWindowAsync(query, cancellationToken));

    [Function(ReleaseActivityNames.FinishRelease)]
    public Task<bool> FinishRelease([ActivityTrigger] ReleaseFinish finish, CancellationToken cancellationToken) =>
        Run<RegistryActivities, bool>(ReleaseActivityNames.FinishRelease, a => a.FinishAsync(finish, cancellationToken));

    [Function(ReleaseActivityNames.ReclaimApp)]
    public Task<bool> ReclaimApp([ActivityTrigger] ReleaseReclaim reclaim, CancellationToken cancellationToken) =>
        Run<RegistryActivities, bool>(ReleaseActivityNames.ReclaimApp, a => a.ReclaimAsync(reclaim, cancellationToken));

    private static T Input<T>(TaskOrchestrationContext context) where T : class =>
        context.GetInput<T>() ?? throw new InvalidOperationException($"Orchestration {context.Name} ({context.InstanceId}) was started without its {typeof(T).Name}.");

    // The activity class is built from the app's services for each call, as the Durable Task registry builds it
    // (ReleaseOrchestrationTasks); a transient fault is named as such, so the orchestration's retry policy tries it again
    // and nothing else.
    private async Task<TOutput> Run<TActivities, TOutput>(string name, Func<TActivities, Task<TOutput>> run) where TActivities : class
    {
        try
        {
            return await run(ActivatorUtilities.GetServiceOrCreateInstance<TActivities>(services));
        }
        catch (Exception ex) when (ex is not TransientActivityException && TransientActivityException.IsTransient(ex))
        {
            throw new TransientActivityException($"{name} failed transiently ({TransientActivityException.Describe(ex)}).", ex);
        }
    }
}
