using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

/// <summary>How the parent calls its child: with the instance id the SDK makes, with one of its own, or with one and tags.</summary>
public enum ChildCall
{
    GeneratedInstanceId,
    OwnInstanceId,
    OwnInstanceIdAndTags,
}

public sealed record ParentRequest(string Name, ChildCall Call);

public sealed record ChildRequest(string Name, int Round);

/// <summary>A rollback-shaped sample: an orchestration calls a sub-orchestration, awaits it and returns its result.</summary>
public static class SampleSubOrchestrationFunctions
{
    [Function("CallChild")]
    public static async Task<string> CallChild([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var request = context.GetInput<ParentRequest>()!;
        var options = request.Call switch
        {
            ChildCall.GeneratedInstanceId => null,
            ChildCall.OwnInstanceId => new SubOrchestrationOptions { InstanceId = context.InstanceId + ":child" },
            _ => new SubOrchestrationOptions
            {
                InstanceId = context.InstanceId + ":child",
                Tags = new Dictionary<string, string> { ["parent"] = context.InstanceId, ["purpose"] = "rollback" },
            },
        };
        var child = await context.CallSubOrchestratorAsync<string>("Child", new ChildRequest(request.Name, 1), options);
        return $"parent got: {child}";
    }

    [Function("Child")]
    public static async Task<string> Child([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var request = context.GetInput<ChildRequest>()!;
        var greeting = await context.CallActivityAsync<string>("Greet", request.Name);
        return $"{greeting} in round {request.Round}";
    }
}
