using Blueshift.Functions.Compliance.RestoreTest;
using Blueshift.Functions.Apps;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The compliance job orchestration and its activities as Functions: thin wrappers (no Durable source generator here) that
/// hand each trigger to <see cref="ComplianceJobOrchestrator"/> and <see cref="ComplianceActivities"/>.
/// </summary>
public sealed class ComplianceOrchestrationFunctions(IServiceProvider services)
{
    [Function(ComplianceJobOrchestrator.Name)]
    public Task<ComplianceTallies> RunComplianceJob([OrchestrationTrigger] TaskOrchestrationContext context) =>
        ComplianceJobOrchestrator.RunComplianceJob(context, context.GetInput<ComplianceJobInput>()
            ?? throw new InvalidOperationException($"Orchestration {context.Name} ({context.InstanceId}) was started without its {nameof(ComplianceJobInput)}."));

    [Function(ComplianceActivityNames.BeginRun)]
    public Task<ComplianceRunStart> BeginComplianceRun([ActivityTrigger] ComplianceRunStep step, CancellationToken cancellationToken) =>
        Activities().BeginAsync(step, cancellationToken);

    [Function(ComplianceActivityNames.ListApps)]
    public Task<List<ManagedApp>> ListComplianceApps([ActivityTrigger] ComplianceAppsQuery query, CancellationToken cancellationToken) =>
        Activities().ListAppsAsync(query, cancellationToken);

    [Function(ComplianceActivityNames.CheckApp)]
    public async Task<AppComplianceResult> CheckAppCompliance([ActivityTrigger] AppComplianceRequest request, [DurableClient] DurableTaskClient? client, CancellationToken cancellationToken)
    {
        // Checks that read orchestrations (governance) use the client the Functions host bound to this invocation.
        using var scope = client is null ? null : ComplianceDurableClient.Use(client);
        return await Activities().CheckAppAsync(request, cancellationToken);
    }

    [Function(ComplianceActivityNames.RecordFindings)]
    public Task<AppComplianceResult> RecordComplianceFindings([ActivityTrigger] ComplianceRecordRequest request, CancellationToken cancellationToken) =>
        Activities().RecordAsync(request, cancellationToken);

    [Function(ComplianceActivityNames.FinishRun)]
    public Task<bool> FinishComplianceRun([ActivityTrigger] ComplianceRunStep step, CancellationToken cancellationToken) =>
        Activities().FinishAsync(step, cancellationToken);

    private ComplianceActivities Activities() => ActivatorUtilities.GetServiceOrCreateInstance<ComplianceActivities>(services);
}

/// <summary>
/// Registers the compliance job orchestration and its activities with a plain Durable Task worker (tests'
/// <c>DurableTaskTestHost</c>) through the same <see cref="ComplianceOrchestrationFunctions"/> the app declares.
/// </summary>
internal static class ComplianceOrchestrationTasks
{
    public static DurableTaskRegistry AddComplianceOrchestrations(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<ComplianceJobInput, ComplianceTallies>(ComplianceJobOrchestrator.Name, ComplianceJobOrchestrator.RunComplianceJob);
        registry.AddRestoreTestOrchestration();
        Activity<ComplianceRunStep, ComplianceRunStart>(registry, ComplianceActivityNames.BeginRun, (f, i) => f.BeginComplianceRun(i, CancellationToken.None));
        Activity<ComplianceAppsQuery, List<ManagedApp>>(registry, ComplianceActivityNames.ListApps, (f, i) => f.ListComplianceApps(i, CancellationToken.None));
        Activity<AppComplianceRequest, AppComplianceResult>(registry, ComplianceActivityNames.CheckApp, (f, i) => f.CheckAppCompliance(i, null, CancellationToken.None));
        Activity<ComplianceRecordRequest, AppComplianceResult>(registry, ComplianceActivityNames.RecordFindings, (f, i) => f.RecordComplianceFindings(i, CancellationToken.None));
        Activity<ComplianceRunStep, bool>(registry, ComplianceActivityNames.FinishRun, (f, i) => f.FinishComplianceRun(i, CancellationToken.None));
        return registry;
    }

    private static void Activity<TInput, TOutput>(DurableTaskRegistry registry, string name, Func<ComplianceOrchestrationFunctions, TInput, Task<TOutput>> run) =>
        registry.AddActivity(name, services => new FunctionActivity<TInput, TOutput>(new ComplianceOrchestrationFunctions(services), run));

    private sealed class FunctionActivity<TInput, TOutput>(ComplianceOrchestrationFunctions functions, Func<ComplianceOrchestrationFunctions, TInput, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(functions, input);
    }
}
