using Blueshift.Domain.Analysis;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Compliance.RestoreTest;

/// <summary>
/// The restore test's orchestration and activities as Functions: thin wrappers that hand each trigger to
/// <see cref="RestoreTestOrchestrator"/> and <see cref="RestoreTestActivities"/> (built from the app's services for each
/// call). The job orchestration calls the orchestration as a sub-orchestration by <see cref="ComplianceOrchestrationNames.RestoreTest"/>.
/// </summary>
public sealed class RestoreTestFunctions(IServiceProvider services)
{
    [Function(ComplianceOrchestrationNames.RestoreTest)]
    public Task<List<Observation>> RunRestoreTest([OrchestrationTrigger] TaskOrchestrationContext context) =>
        RestoreTestOrchestrator.RunRestoreTest(context, context.GetInput<RestoreTestRequest>()
            ?? throw new InvalidOperationException($"Orchestration {context.Name} ({context.InstanceId}) was started without its {nameof(RestoreTestRequest)}."));

    [Function(RestoreTestActivityNames.FindBackup)]
    public Task<BackupChoice> FindBackup([ActivityTrigger] ManagedApp app, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.FindBackup, a => a.FindNewestBackupAsync(app, cancellationToken));

    [Function(RestoreTestActivityNames.FindSlot)]
    public Task<bool> FindSlot([ActivityTrigger] DrSlotRequest request, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.FindSlot, a => a.FindSlotAsync(request, cancellationToken));

    [Function(RestoreTestActivityNames.StartRestore)]
    public Task<SlotOperation> StartRestore([ActivityTrigger] RestoreStart start, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.StartRestore, a => a.StartRestoreAsync(start, cancellationToken));

    [Function(RestoreTestActivityNames.PollRestore)]
    public Task<SlotOperation> PollRestore([ActivityTrigger] OperationRequest request, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.PollRestore, a => a.PollRestoreAsync(request, cancellationToken));

    [Function(RestoreTestActivityNames.StartSlot)]
    public Task<string> StartSlot([ActivityTrigger] DrSlotRequest request, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.StartSlot, a => a.StartSlotAsync(request, cancellationToken));

    [Function(RestoreTestActivityNames.Probe)]
    public Task<HealthProbe> Probe([ActivityTrigger] ProbeRequest request, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.Probe, a => a.ProbeAsync(request, cancellationToken));

    [Function(RestoreTestActivityNames.CleanUp)]
    public Task<bool> CleanUp([ActivityTrigger] DrSlotRequest request, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.CleanUp, a => a.CleanUpAsync(request, cancellationToken));

    [Function(RestoreTestActivityNames.Record)]
    public Task<int> Record([ActivityTrigger] RestoreTestEvidence evidence, CancellationToken cancellationToken) =>
        Run(RestoreTestActivityNames.Record, a => a.RecordAsync(evidence, cancellationToken));

    // A transient fault is named as such, so the orchestration's retry policy tries it again and nothing else.
    private async Task<TOutput> Run<TOutput>(string name, Func<RestoreTestActivities, Task<TOutput>> run)
    {
        try
        {
            return await run(ActivatorUtilities.GetServiceOrCreateInstance<RestoreTestActivities>(services));
        }
        catch (Exception ex) when (ex is not TransientActivityException && TransientActivityException.IsTransient(ex))
        {
            throw new TransientActivityException($"{name} failed transiently ({TransientActivityException.Describe(ex)}).", ex);
        }
    }
}

/// <summary>
/// Registers the restore test with a plain Durable Task worker (the tests' <c>DurableTaskTestHost</c>) through the same
/// <see cref="RestoreTestFunctions"/> the app declares as Functions.
/// </summary>
internal static class RestoreTestTasks
{
    public static DurableTaskRegistry AddRestoreTestOrchestration(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<RestoreTestRequest, List<Observation>>(ComplianceOrchestrationNames.RestoreTest, RestoreTestOrchestrator.RunRestoreTest);
        Activity<ManagedApp, BackupChoice>(registry, RestoreTestActivityNames.FindBackup, (f, i, c) => f.FindBackup(i, c));
        Activity<DrSlotRequest, bool>(registry, RestoreTestActivityNames.FindSlot, (f, i, c) => f.FindSlot(i, c));
        Activity<RestoreStart, SlotOperation>(registry, RestoreTestActivityNames.StartRestore, (f, i, c) => f.StartRestore(i, c));
        Activity<OperationRequest, SlotOperation>(registry, RestoreTestActivityNames.PollRestore, (f, i, c) => f.PollRestore(i, c));
        Activity<DrSlotRequest, string>(registry, RestoreTestActivityNames.StartSlot, (f, i, c) => f.StartSlot(i, c));
        Activity<ProbeRequest, HealthProbe>(registry, RestoreTestActivityNames.Probe, (f, i, c) => f.Probe(i, c));
        Activity<DrSlotRequest, bool>(registry, RestoreTestActivityNames.CleanUp, (f, i, c) => f.CleanUp(i, c));
        Activity<RestoreTestEvidence, int>(registry, RestoreTestActivityNames.Record, (f, i, c) => f.Record(i, c));
        return registry;
    }

    private static void Activity<TInput, TOutput>(
        DurableTaskRegistry registry, string name, Func<RestoreTestFunctions, TInput, CancellationToken, Task<TOutput>> run) =>
        registry.AddActivity(name, services => new FunctionActivity<TInput, TOutput>(new RestoreTestFunctions(services), run));

    private sealed class FunctionActivity<TInput, TOutput>(
        RestoreTestFunctions functions, Func<RestoreTestFunctions, TInput, CancellationToken, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(functions, input, CancellationToken.None);
    }
}
